"""Results layer: labelled arrays, summaries and savers."""

from frontiersim.results.build import (
    ChunkReduction,
    ResultAccumulator,
    model_labels,
    reduce_chunk,
    yearly_aggregates,
)
from frontiersim.results.result import PNL_LINES, SUMMARY_METRICS, SimulationResult
from frontiersim.results.tables import draw_tables, run_tables

__all__ = [
    "PNL_LINES",
    "SUMMARY_METRICS",
    "ChunkReduction",
    "ResultAccumulator",
    "SimulationResult",
    "draw_tables",
    "model_labels",
    "reduce_chunk",
    "run_tables",
    "yearly_aggregates",
]

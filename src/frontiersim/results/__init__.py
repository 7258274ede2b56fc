"""Results layer: labelled arrays, summaries and savers."""

from frontiersim.results.build import (
    YEARLY_FLOWS,
    YEARLY_VARIABLES,
    ChunkReduction,
    ResultAccumulator,
    model_labels,
    reduce_chunk,
    yearly_aggregates,
)
from frontiersim.results.result import PNL_LINES, SUMMARY_METRICS, SimulationResult

__all__ = [
    "PNL_LINES",
    "SUMMARY_METRICS",
    "YEARLY_FLOWS",
    "YEARLY_VARIABLES",
    "ChunkReduction",
    "ResultAccumulator",
    "SimulationResult",
    "model_labels",
    "reduce_chunk",
    "yearly_aggregates",
]

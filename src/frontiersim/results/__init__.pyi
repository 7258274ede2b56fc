"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .build import ChunkReduction, ResultAccumulator, model_labels, reduce_chunk, yearly_aggregates
from .result import PNL_LINES, SUMMARY_METRICS, SimulationResult
from .summary import SummaryAccumulator, SummaryResult
from .tables import draw_tables, run_tables

__all__ = [
    "PNL_LINES",
    "SUMMARY_METRICS",
    "ChunkReduction",
    "ResultAccumulator",
    "SimulationResult",
    "SummaryAccumulator",
    "SummaryResult",
    "draw_tables",
    "model_labels",
    "reduce_chunk",
    "run_tables",
    "yearly_aggregates",
]

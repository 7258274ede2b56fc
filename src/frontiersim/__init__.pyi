"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from ._version import __version__
from .draws.sampling import Draws, seed_sequence
from .models.policies import FixedSchedulePolicy, GrowthHedgePolicy, Observation, ProcurementPolicy, QuantilePolicy
from .models.ranges import ModelRangeError
from .results.result import SimulationResult
from .results.summary import SummaryResult
from .scenario.errors import ScenarioError
from .scenario.loader import bundled, bundled_names, load_scenario, parse_scenario, parse_scenario_text
from .scenario.schema import Scenario
from .simulate import sample_draws, simulate, simulate_summary

__all__ = [
    "Draws",
    "FixedSchedulePolicy",
    "GrowthHedgePolicy",
    "ModelRangeError",
    "Observation",
    "ProcurementPolicy",
    "QuantilePolicy",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "SummaryResult",
    "__version__",
    "bundled",
    "bundled_names",
    "load_scenario",
    "parse_scenario",
    "parse_scenario_text",
    "sample_draws",
    "seed_sequence",
    "simulate",
    "simulate_summary",
]

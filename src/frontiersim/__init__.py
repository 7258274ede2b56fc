"""frontiersim: Monte Carlo economics of a frontier AI lab.

Layers, data flowing one way: scenario (validated config) -> draws (all
randomness up front) -> models (vectorized kernels) -> results (labelled
arrays) -> outer layers (CLI).
"""

from frontiersim._version import __version__
from frontiersim.draws import Draws, seed_sequence
from frontiersim.models import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    ModelRangeError,
    Observation,
    ProcurementPolicy,
    QuantilePolicy,
)
from frontiersim.results import SimulationResult
from frontiersim.scenario import (
    Scenario,
    ScenarioError,
    bundled,
    bundled_names,
    load_scenario,
    parse_scenario,
    parse_scenario_text,
)
from frontiersim.simulate import sample_draws, simulate

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
    "__version__",
    "bundled",
    "bundled_names",
    "load_scenario",
    "parse_scenario",
    "parse_scenario_text",
    "sample_draws",
    "seed_sequence",
    "simulate",
]

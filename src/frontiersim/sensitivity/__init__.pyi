"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .analysis import (
    NOISE_INPUT,
    PRIMARY_INDEX,
    Design,
    analyse_design,
    morris_design,
    rank_indices,
    rank_table,
    ranked_inputs,
    sobol_design,
)
from .defaults import DEFAULT_SAMPLES, METHODS
from .outcomes import Outcome, OutcomeError, outcome_names, resolve_outcome
from .scenario_analysis import (
    DrawnInputs,
    SensitivityInput,
    SensitivityResult,
    analyse_scenario,
    drawn_inputs,
    drivers_in_draws,
    drivers_of_drawn,
    uncertain_inputs,
    wide_table,
)
from .summary import sensitivity_payload, summary_text

__all__ = [
    "DEFAULT_SAMPLES",
    "METHODS",
    "NOISE_INPUT",
    "PRIMARY_INDEX",
    "Design",
    "DrawnInputs",
    "Outcome",
    "OutcomeError",
    "SensitivityInput",
    "SensitivityResult",
    "analyse_design",
    "analyse_scenario",
    "drawn_inputs",
    "drivers_in_draws",
    "drivers_of_drawn",
    "morris_design",
    "outcome_names",
    "rank_indices",
    "rank_table",
    "ranked_inputs",
    "resolve_outcome",
    "sensitivity_payload",
    "sobol_design",
    "summary_text",
    "uncertain_inputs",
    "wide_table",
]

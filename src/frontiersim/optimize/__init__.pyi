"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .families import (
    FAMILY_NAMES,
    PolicyFamily,
    naive_policies,
    parameter_spec,
    policy_family,
    resolve_lab,
    typical_range,
)
from .frontier import Frontier, trace_frontier
from .objectives import OBJECTIVE_NAMES, Objective
from .search import InfeasibleError, OptimizationResult, PolicyEvaluation, evaluate_policy, optimize_policy
from .stats import (
    MeanEstimate,
    Proportion,
    draws_to_resolve,
    lower_tail_cvar,
    mean_estimate,
    paired_difference,
    proportion,
)

__all__ = [
    "FAMILY_NAMES",
    "OBJECTIVE_NAMES",
    "Frontier",
    "InfeasibleError",
    "MeanEstimate",
    "Objective",
    "OptimizationResult",
    "PolicyEvaluation",
    "PolicyFamily",
    "Proportion",
    "draws_to_resolve",
    "evaluate_policy",
    "lower_tail_cvar",
    "mean_estimate",
    "naive_policies",
    "optimize_policy",
    "paired_difference",
    "parameter_spec",
    "policy_family",
    "proportion",
    "resolve_lab",
    "trace_frontier",
    "typical_range",
]

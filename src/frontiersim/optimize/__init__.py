"""Deciding how much compute to buy: policy search under a ruin constraint."""

from frontiersim.optimize.families import FAMILY_NAMES, PolicyFamily, naive_policies, policy_family
from frontiersim.optimize.objectives import OBJECTIVE_NAMES, Objective
from frontiersim.optimize.search import (
    InfeasibleError,
    OptimizationResult,
    PolicyEvaluation,
    evaluate_policy,
    optimize_policy,
)
from frontiersim.optimize.stats import (
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
    "policy_family",
    "proportion",
]

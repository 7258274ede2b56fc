"""One-parameter families of procurement policies, and the naive reference policies.

A family varies one key of a ``[policy]`` table (the hedge factor, the
assumed growth, the demand quantile, or the GW committed at each decision)
for one lab of a scenario; the other labs keep the scenario's policies. The
parameter's name, unit, bounds and search range come from the key's
declaration (:func:`frontiersim.scenario.fields.field_spec`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.policies import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    ProcurementPolicy,
    required_capacity_gw,
)
from frontiersim.models.policy_specs import policy_from_spec, uses_growth_distribution
from frontiersim.models.registry import used_keys
from frontiersim.scenario.distributions import as_distribution
from frontiersim.scenario.fields import FieldSpec, field_spec
from frontiersim.scenario.schema import (
    CAPABILITY_BELIEF_NEEDED,
    GrowthHedgePolicySpec,
    Lab,
    QuantilePolicySpec,
    Scenario,
)
from frontiersim.units import number_text

FloatArray = NDArray[np.float64]
FAMILY_NAMES: tuple[str, ...] = ("hedge", "growth", "quantile", "fixed")

#: The scenario key each family varies: family -> (policy kind, key of that kind's ``[policy]`` table).
FAMILY_KEYS: dict[str, tuple[str, str]] = {
    "hedge": ("growth_hedge", "hedge_factor"),
    "growth": ("growth_hedge", "assumed_growth_per_year"),
    "quantile": ("quantile", "quantile"),
    "fixed": ("fixed_schedule", "commitments_gw"),
}

#: Training share of a policy that states none (a fixed schedule).
_DEFAULT_TRAINING_SHARE = 0.5


@dataclass(frozen=True)
class PolicyFamily:
    """Procurement policies indexed by one parameter.

    Attributes
    ----------
    name : str
    parameter : str
        Name of the parameter, with its unit.
    low, high : float
        Search bounds.
    build : callable
        ``build(value) -> ProcurementPolicy``.
    lab : str or None
        The lab whose policy the family sets; the other labs keep the
        scenario's. None for the one lab of a scenario without ``[labs.*]``
        tables.
    """

    name: str
    parameter: str
    low: float
    high: float
    build: Callable[[float], ProcurementPolicy]
    lab: str | None = None

    def grid(self, candidates: int) -> FloatArray:
        """``candidates`` evenly spaced parameter values over the bounds."""
        if candidates < 2:
            raise ValueError("a grid needs at least 2 candidates")
        return np.linspace(self.low, self.high, candidates)

    def label(self, value: float) -> str:
        """A readable name for one member."""
        return f"{self.name}: {self.parameter} = {number_text(value, 4)}"


def parameter_spec(name: str) -> FieldSpec:
    """The declaration of the scenario key a family varies: its unit, label, bounds and typical range.

    Parameters
    ----------
    name : {"hedge", "growth", "quantile", "fixed"}

    Returns
    -------
    FieldSpec

    Examples
    --------
    >>> spec = parameter_spec("quantile")
    >>> spec.bounds_text()
    'in (0, 1)'
    """
    if name not in FAMILY_KEYS:
        raise ValueError(f"unknown policy family {name!r}; choose one of {', '.join(FAMILY_NAMES)}")
    kind, key = FAMILY_KEYS[name]
    return field_spec(f"policy.{key}", policy_kind=kind)


def typical_range(spec: FieldSpec) -> tuple[float, float]:
    """The range of values worth exploring for a key (:meth:`FieldSpec.exploration_range`).

    Examples
    --------
    >>> from frontiersim.scenario.fields import FieldSpec
    >>> typical_range(FieldSpec("float", "a share", low=0.0, high=1.0, typical=(0.1, 0.9)))
    (0.1, 0.9)
    """
    return spec.exploration_range()


def resolve_lab(scenario: Scenario, lab: str | None = None) -> Lab:
    """The lab named ``lab`` (by default the scenario's first).

    Raises
    ------
    ValueError
        For a name that is not one of the scenario's labs.
    """
    if lab is None:
        return scenario.labs[0]
    for candidate in scenario.labs:
        if candidate.name == lab:
            return candidate
    raise ValueError(f"no lab named {lab!r}; labs: {', '.join(scenario.lab_names)}")


def _family_lab(lab: Lab) -> str | None:
    """The name a family carries for ``lab``: None for the implicit lab of a scenario without ``[labs.*]``."""
    return lab.name if lab.declared else None


def _training_share(lab: Lab) -> float:
    spec = lab.policy
    if isinstance(spec, GrowthHedgePolicySpec | QuantilePolicySpec):
        return spec.target_training_share
    return _DEFAULT_TRAINING_SHARE


def _growth_belief(scenario: Scenario, lab: Lab) -> QuantilePolicySpec:
    """The lab's own growth belief as a quantile specification (``quantile`` left to be set).

    A quantile ``[policy]`` lends its belief (growth percentiles and
    volatility); otherwise the belief is derived from the demand process,
    which demand that does not follow ``demand.growth_per_year`` (capability
    demand) cannot lend, so that case raises.
    """
    spec = lab.policy
    if isinstance(spec, QuantilePolicySpec) and spec.belief_growth_p5 > 0:
        return spec
    if not uses_growth_distribution(scenario):
        raise ValueError(
            f"the quantile family needs a [policy] kind = 'quantile' table that gives {CAPABILITY_BELIEF_NEEDED}"
        )
    if isinstance(spec, QuantilePolicySpec):
        return spec
    return QuantilePolicySpec(target_training_share=_training_share(lab))


def _assumed_growth(scenario: Scenario, lab: Lab, family: str = "hedge") -> float:
    """The yearly growth the hedge family assumes: the lab's hedge policy's, else its median belief."""
    spec = lab.policy
    if isinstance(spec, GrowthHedgePolicySpec):
        return spec.assumed_growth_per_year
    if isinstance(spec, QuantilePolicySpec) and spec.belief_growth_p5 > 0:
        return float(np.sqrt(spec.belief_growth_p5 * spec.belief_growth_p95))
    if not uses_growth_distribution(scenario):
        raise ValueError(
            f"the {family} family needs an assumed growth when capability drives demand: give [policy] "
            "kind = 'growth_hedge' with assumed_growth_per_year, or kind = 'quantile' with "
            "belief_growth_p5 and belief_growth_p95 (demand.growth_per_year is unused then)"
            + ("; or set the search's upper bound (--high)" if family == "fixed" else "")
        )
    return float(scenario.demand.growth_per_year.ppf(0.5))


def default_fixed_upper_gw(scenario: Scenario, lab: str | None = None) -> float:
    """Upper bound for the ``fixed`` family: three times the median-world requirement at first arrival.

    The requirement is the lab's: its share of demand, its margin, training
    share and price of compute.

    Parameters
    ----------
    scenario : Scenario
    lab : str, optional
        The lab (default: the scenario's first).
    """
    chosen = resolve_lab(scenario, lab)
    demand = scenario.demand
    keys = used_keys(scenario)
    if "demand.path_usd_per_year" in keys:
        level = max(float(as_distribution(year).ppf(0.5)) for year in demand.path_usd_per_year)
    else:
        lead_years = chosen.compute.lead_time_months / 12
        growth = (
            float(demand.growth_per_year.ppf(0.5))
            if uses_growth_distribution(scenario)
            else _assumed_growth(scenario, chosen, "fixed")
        )
        level = float(demand.initial_usd_per_year.ppf(0.5)) * growth**lead_years
    level *= chosen.market_share
    margin: float
    if "operations.gross_margin" in keys:
        margin = float(chosen.operations.gross_margin.mean())
    else:  # margins of the demand segments: the revenue-weighted margin, at their value shares
        segments = scenario.capability.segments.items()
        margin = sum(spec.value_share * float(spec.gross_margin.mean()) for _, spec in segments)
    need = required_capacity_gw(
        np.array([level]),
        np.array([margin]),
        _training_share(chosen),
        np.array([float(chosen.compute.cost_usd_per_gw_year.ppf(0.5))]),
    )
    return max(3.0 * float(need[0]), 1e-3)


def _parameter_name(spec: FieldSpec, *, per_decision: bool = False) -> str:
    """A family parameter's name from its key's label and unit, e.g. ``"assumed growth (x/year)"``."""
    label = spec.label + (" per decision" if per_decision else "")
    return f"{label} ({spec.unit})" if spec.unit not in ("", "1", "x") else label


def policy_family(
    scenario: Scenario,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    lab: str | None = None,
) -> PolicyFamily:
    """A named one-parameter family, sized for one lab of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    name : {"hedge", "growth", "quantile", "fixed"}
        * ``hedge``: buy the forecast requirement (growth assumed as in the
          lab's policy) times a hedge factor;
        * ``growth``: buy the full requirement assuming a yearly growth;
        * ``quantile``: buy for the q-quantile of forecast demand, with the
          belief of the lab's quantile policy, else its own demand
          uncertainty (capability demand needs the former);
        * ``fixed``: commit the same GW at every decision, from 0 to
          :func:`default_fixed_upper_gw`.

        The default search bounds are the typical range of the key the
        family varies (see :func:`parameter_spec`).
    low, high : float, optional
        Override the search bounds.
    lab : str, optional
        The lab whose policy is searched (default: the scenario's first);
        the other labs keep the scenario's policies.

    Raises
    ------
    ValueError
        For an unknown family or lab; or when capability drives demand and
        the family needs a growth belief the lab's ``[policy]`` does not give
        (``hedge``, ``quantile`` and the default ``fixed`` bound):
        ``demand.growth_per_year`` is unused then.
    """
    spec = parameter_spec(name)
    chosen = resolve_lab(scenario, lab)
    share = _training_share(chosen)
    typical_low, typical_high = typical_range(spec)
    family: PolicyFamily
    if name == "hedge":
        growth = _assumed_growth(scenario, chosen)
        family = PolicyFamily(
            "hedge",
            f"{spec.label} (growth {number_text(growth)}x assumed)",
            typical_low,
            typical_high,
            lambda h: GrowthHedgePolicy(growth, h, share),
        )
    elif name == "growth":
        family = PolicyFamily(
            "growth", _parameter_name(spec), typical_low, typical_high, lambda g: GrowthHedgePolicy(g, 1.0, share)
        )
    elif name == "quantile":
        belief = _growth_belief(scenario, chosen)

        def build_quantile(q: float) -> ProcurementPolicy:
            policy = dataclasses.replace(belief, quantile=q, target_training_share=share)
            return policy_from_spec(scenario, dataclasses.replace(chosen, policy=policy))

        family = PolicyFamily("quantile", _parameter_name(spec), typical_low, typical_high, build_quantile)
    else:
        decisions = len(chosen.decision_months(scenario.horizon_months))
        family = PolicyFamily(
            "fixed",
            _parameter_name(spec, per_decision=True),
            typical_low,
            default_fixed_upper_gw(scenario, chosen.name) if high is None else high,
            lambda gw: FixedSchedulePolicy((gw,) * decisions),
        )
    return PolicyFamily(
        family.name,
        family.parameter,
        family.low if low is None else low,
        family.high if high is None else high,
        family.build,
        _family_lab(chosen),
    )


def naive_policies(scenario: Scenario, lab: str | None = None) -> dict[str, ProcurementPolicy]:
    """The reference points of the interviews: assume 10x continues, assume 3x, buy nothing new.

    Parameters
    ----------
    scenario : Scenario
    lab : str, optional
        The lab whose training share the growth policies keep (default: the first).
    """
    share = _training_share(resolve_lab(scenario, lab))
    return {
        "assume 10x continues": GrowthHedgePolicy(10.0, 1.0, share),
        "assume 3x": GrowthHedgePolicy(3.0, 1.0, share),
        "buy nothing new": FixedSchedulePolicy(()),
    }

r"""A per-draw Python loop of the monthly model: the test oracle of :func:`~frontiersim.models.engine.run_chunk`.

:func:`simulate_reference` implements the model the engine assembles from its
components (:mod:`frontiersim.models.components`) a second time, one draw at
a time, with plain Python floats, lists and loops: no numpy arithmetic over
draws or labs. Both take the same :class:`~frontiersim.Draws`
(:func:`frontiersim.simulate.sample_draws`) and give the same numbers up to
rounding, so each checks the other. It is also the baseline the vectorized
simulator is benchmarked against (``benchmarks/bench_simulate.py``).

Numpy appears only at the edges: the sampled inputs are converted to Python
lists up front, and the outputs are packed into a
:class:`~frontiersim.models.engine.ChunkOutput` at the end, with the names,
dimensions and layout the scenario's output catalogue
(:func:`frontiersim.models.registry.catalogue`) gives them.

Labs
----
Every lab of ``scenario.labs`` has its own contract book (its own lead time,
contract term, decision months and initial contract), its own procurement
policy, allocation, model cohorts, and cash with fundraising and ruin. A
lab's draw of an uncertain key ``path`` is
``draws[lab.parameter_stream(path)]`` (its own stream where it sets the key,
the shared draw otherwise), and its fundraising uniforms are
``draws.shocks[lab.stream("finance.raise_uniforms")]``.

The market
----------
Each month, in the engine's order:

1. market demand :math:`D_t`. Growth and path demand are exogenous: each
   draw's path is computed before its months are stepped. Capability demand
   (``demand.kind = "capability"``) is stepped with the months: each lab's
   own driver (cumulative frontier-run compute from the lab's training GW of
   the previous month, capability index against the rival labs, addressable
   value, Bass adoption per segment, the segments' noise, which the labs
   share, and the lab's revenue-weighted gross margin) gives the lab's
   deployed demand, and :math:`D_t` is the largest of them;
2. each lab's share :math:`s_{l,t}`: its fixed ``market_share``
   (``[market] share_rule = "fixed"``) or
   :math:`s_l m^{I_{l,t}} / \sum_k s_k m^{I_{k,t}}` (``"capability"``), and
   its demand :math:`s_{l,t} D_t` (exactly :math:`D_t` with one lab);
3. procurement at the lab's decision months; capacity and payments;
4. allocation: inference serves demand up to capacity less the training
   floor, training gets the rest;
5. cash, fundraising and ruin (absorbing);
6. the model cohorts' P&L.

Policies
--------
The three built-in policies (:class:`~frontiersim.GrowthHedgePolicy`,
:class:`~frontiersim.FixedSchedulePolicy` and
:class:`~frontiersim.QuantilePolicy`) are re-implemented as scalar functions
(:func:`scalar_policy`; the normal quantile comes from
:class:`statistics.NormalDist`, not scipy). Any other policy object,
including a subclass of a built-in one, is called through its ``commit_gw``
on an :class:`~frontiersim.Observation` of 1-element arrays, once per draw,
lab and decision: a policy whose answer for one draw depends on the others
gives different numbers here.

Examples
--------
>>> import numpy as np
>>> import frontiersim as fs
>>> from frontiersim.models import run_chunk
>>> from frontiersim.testing import simulate_reference
>>> scenario = fs.bundled("default")
>>> draws = fs.sample_draws(scenario, 0, 20, seed=1)
>>> reference, engine = simulate_reference(scenario, draws), run_chunk(scenario, draws)
>>> bool(np.allclose(reference.by_month["cash_usd"], engine.by_month["cash_usd"], rtol=1e-9))
True
>>> bool(np.array_equal(reference.ruin_month, engine.ruin_month))
True
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiersim.draws.sampling import Draws
from frontiersim.models.catalogue import Catalogue
from frontiersim.models.components.base import LabLayout
from frontiersim.models.components.demand import DEMAND_SHOCKS, segment_shock_stream
from frontiersim.models.components.finance import RAISE_UNIFORMS
from frontiersim.models.engine import ChunkOutput
from frontiersim.models.finance import MAX_GROWTH_PER_YEAR, RUIN_TOLERANCE_USD
from frontiersim.models.policies import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    Observation,
    ProcurementPolicy,
    QuantilePolicy,
)
from frontiersim.models.policy_specs import policy_from_spec
from frontiersim.models.registry import catalogue
from frontiersim.scenario.schema import Lab, Scenario

__all__ = ["PolicyArgument", "ScalarPolicy", "scalar_policy", "simulate_reference"]

#: ``policy(month, decision_index, demand, scheduled_at_arrival_gw, price, gross_margin) -> GW``, one draw of one lab.
ScalarPolicy = Callable[[int, int, float, float, float, float], float]

#: Policies in place of the scenario's, as :func:`~frontiersim.models.engine.run_chunk` takes them: one for every
#: lab, or a mapping of lab name to policy (labs left out keep the scenario's), or None.
PolicyArgument = ProcurementPolicy | Mapping[str, ProcurementPolicy] | None

#: Outputs of the market (one value per draw) and of each lab, each month, in the order they are recorded.
_MARKET_MONTHLY = ("market_demand_usd_per_year",)
_LAB_MONTHLY = (
    "gross_margin",
    "demand_usd_per_year",
    "market_share",
    "capacity_gw",
    "new_commitment_gw",
    "new_commitment_usd",
    "inference_gw",
    "training_gw",
    "training_share",
    "squeezed_training_gw",
    "spare_training_gw",
    "revenue_usd",
    "unserved_usd",
    "inference_cost_usd",
    "training_cost_usd",
    "compute_payment_usd",
    "other_opex_usd",
    "financing_usd",
    "cash_usd",
)
_CAPABILITY_MONTHLY = ("capability_index", "overhang")
_MODEL_OUTPUTS = (
    "model_training_cost_usd",
    "model_revenue_usd",
    "model_inference_cost_usd",
    "model_net_usd",
    "model_training_flop",
)
_RUNOFF_OUTPUTS = ("ruin_month_including_runoff", "cash_after_runoff_usd", "runoff_revenue_usd")


def scalar_policy(policy: ProcurementPolicy, lead_time_months: int, contract_term_months: int) -> ScalarPolicy:
    """A one-draw version of a procurement policy.

    Parameters
    ----------
    policy : ProcurementPolicy
        Built-in policies (exactly :class:`~frontiersim.GrowthHedgePolicy`,
        :class:`~frontiersim.FixedSchedulePolicy` or
        :class:`~frontiersim.QuantilePolicy`, not subclasses) are
        re-implemented with floats; anything else is called on 1-element
        arrays.
    lead_time_months, contract_term_months : int
        The buying lab's lead time and contract term.

    Returns
    -------
    ScalarPolicy
        ``policy(month, decision_index, demand_usd_per_year,
        scheduled_capacity_at_arrival_gw, price_usd_per_gw_year, gross_margin)
        -> GW`` to commit.

    Examples
    --------
    >>> import frontiersim as fs
    >>> buy = scalar_policy(fs.FixedSchedulePolicy((1.0, 2.0)), 12, 60)
    >>> buy(12, 1, 1e10, 0.0, 1e10, 0.6)
    2.0
    """
    if type(policy) is GrowthHedgePolicy:
        growth_to_arrival: float = policy.assumed_growth_per_year ** (lead_time_months / 12.0)
        hedge = policy.hedge_factor
        keep_for_training = 1.0 - policy.target_training_share

        def growth_hedge(
            month: int, decision: int, demand: float, scheduled: float, price: float, margin: float
        ) -> float:
            forecast = demand * growth_to_arrival
            need = hedge * (forecast * (1.0 - margin) / (keep_for_training * price))
            return max(need - scheduled, 0.0)

        return growth_hedge

    if type(policy) is FixedSchedulePolicy:
        schedule = tuple(float(gw) for gw in policy.commitments_gw)

        def fixed_schedule(
            month: int, decision: int, demand: float, scheduled: float, price: float, margin: float
        ) -> float:
            return schedule[decision] if decision < len(schedule) else 0.0

        return fixed_schedule

    if type(policy) is QuantilePolicy:
        h = lead_time_months / 12.0
        spread = math.sqrt(h * h * policy.log_growth_sd**2 + h * policy.volatility_per_sqrt_year**2)
        z = NormalDist().inv_cdf(policy.quantile)
        factor = math.exp(h * policy.log_growth_mean + z * spread)
        keep = 1.0 - policy.target_training_share

        def quantile(month: int, decision: int, demand: float, scheduled: float, price: float, margin: float) -> float:
            forecast = demand * factor
            need = forecast * (1.0 - margin) / (keep * price)
            return max(need - scheduled, 0.0)

        return quantile

    def via_arrays(month: int, decision: int, demand: float, scheduled: float, price: float, margin: float) -> float:
        observation = Observation(
            month=month,
            decision_index=decision,
            demand_usd_per_year=np.array([demand]),
            scheduled_capacity_at_arrival_gw=np.array([scheduled]),
            price_usd_per_gw_year=np.array([price]),
            gross_margin=np.array([margin]),
            lead_time_months=lead_time_months,
            contract_term_months=contract_term_months,
        )
        return float(np.asarray(policy.commit_gw(observation), dtype=float).reshape(-1)[0])

    return via_arrays


# ---------------------------------------------------------------------------
# What does not change from draw to draw
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _MarketSetup:
    """The market's settings and the months."""

    months: int
    demand_kind: str
    path_years: int
    ceiling: float
    segments: tuple[tuple[str, float], ...]
    rival_labs: int
    milestones: tuple[tuple[str, float], ...]
    share_rule: str
    frontier_index: tuple[int, ...]
    n_models: int

    @property
    def capability(self) -> bool:
        """Whether capability drives demand."""
        return self.demand_kind == "capability"


@dataclass(frozen=True)
class _LabSetup:
    """One lab's fixed settings."""

    lab: Lab
    lead_time: int
    term: int
    initial_contract_months: int
    decisions: Mapping[int, int]
    fundraising: bool
    runway_threshold_months: float
    raise_min_interval_months: int
    raise_reference_growth: float
    raise_growth_elasticity: float
    policy: ScalarPolicy
    allocation_rule: str
    windows: Mapping[int, int]
    contracts: tuple[tuple[int, int, float, float], ...]


def _market_setup(scenario: Scenario) -> _MarketSetup:
    months = scenario.horizon_months
    releases = scenario.release_months()
    return _MarketSetup(
        months=months,
        demand_kind=scenario.demand.kind,
        path_years=len(scenario.demand.path_usd_per_year),
        ceiling=float(scenario.demand.ceiling_usd_per_year),
        segments=tuple((name, float(spec.value_share)) for name, spec in scenario.capability.segments.items()),
        rival_labs=scenario.capability.rival_labs,
        milestones=scenario.capability.milestones,
        share_rule=scenario.market.share_rule,
        frontier_index=tuple(bisect.bisect_right(releases, t) for t in range(months)),
        n_models=len(releases) + 2,
    )


def _lab_policy(scenario: Scenario, lab: Lab, policy: PolicyArgument) -> ProcurementPolicy:
    """The policy given for ``lab``, else the lab's own from the scenario (as ``run_chunk`` chooses it)."""
    chosen: ProcurementPolicy | None
    if policy is None:
        chosen = None
    elif isinstance(policy, Mapping):
        unknown = set(policy) - set(scenario.lab_names)
        if unknown:
            raise ValueError(f"policies given for unknown labs {sorted(unknown)}; labs: {list(scenario.lab_names)}")
        chosen = policy.get(lab.name)
    else:
        chosen = policy
    return chosen if chosen is not None else policy_from_spec(scenario, lab)


def _planning_windows(lab: Lab, horizon_months: int) -> dict[int, int]:
    """Months after arrival each decision must cover, by decision month.

    A window of -1 covers until the next decision's capacity arrives: one
    month less than the gap to the next decision (than the decision interval
    after the last decision), and never less than 0.
    """
    months = sorted(lab.decision_months(horizon_months))
    window = lab.compute.planning_window_months
    windows = {}
    for k, month in enumerate(months):
        if window >= 0:
            windows[month] = window
        else:
            gap = months[k + 1] - month if k + 1 < len(months) else lab.compute.decision_interval_months
            windows[month] = max(gap - 1, 0)
    return windows


def _lab_setup(scenario: Scenario, lab: Lab, policy: PolicyArgument) -> _LabSetup:
    compute, finance = lab.compute, lab.finance
    return _LabSetup(
        lab=lab,
        lead_time=compute.lead_time_months,
        term=compute.contract_term_months,
        initial_contract_months=compute.initial_contract_months_remaining,
        decisions={month: k for k, month in enumerate(lab.decision_months(scenario.horizon_months))},
        fundraising=finance.fundraising_enabled,
        runway_threshold_months=finance.raise_when_runway_below_months,
        raise_min_interval_months=finance.raise_min_interval_months,
        raise_reference_growth=finance.raise_reference_growth_per_year,
        raise_growth_elasticity=finance.raise_growth_elasticity,
        policy=scalar_policy(
            _lab_policy(scenario, lab, policy), compute.lead_time_months, compute.contract_term_months
        ),
        allocation_rule=lab.operations.allocation_rule,
        windows=_planning_windows(lab, scenario.horizon_months),
        contracts=tuple(
            (c.online_month(scenario.meta.start), c.term_months, c.gw, c.cost_usd_per_gw_year)
            for c in compute.contracts
        ),
    )


# ---------------------------------------------------------------------------
# Float kernels
# ---------------------------------------------------------------------------


def _exp(x: float) -> float:
    """``exp(x)``, ``inf`` where it overflows (as numpy's)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _bass_step(adopted: float, ceiling: float, p: float, q: float, dt: float) -> float:
    """One exact Bass step towards a ceiling held over the step (as ``frontiersim.models.diffusion.bass_step``)."""
    if ceiling <= 0.0:
        return 0.0
    f = adopted / ceiling
    k = math.exp(-(p + q) * dt)
    numerator = p + q * f - p * (1.0 - f) * k
    denominator = p + q * f + q * (1.0 - f) * k
    return (f if denominator <= 0.0 else numerator / denominator) * ceiling


def _log1p_exp(x: float) -> float:
    """``log(1 + exp(x))`` without overflow."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _capped(level: float, log_factor: float, ceiling: float) -> float:
    """``min(level * exp(log_factor), ceiling)`` without overflow; the level itself when the factor is exactly 1."""
    if log_factor == 0.0 or level == 0.0:
        value = level
    else:
        value = level * _exp(min(log_factor, math.log(ceiling) - math.log(level)))
    return min(value, ceiling)


def _demand_path(market: _MarketSetup, p: Mapping[str, float], shocks: Sequence[float]) -> list[float]:
    """Annualised growth or path demand in every month of one draw, USD/year, capped at the ceiling."""
    ceiling = market.ceiling
    delay = p["demand.delay_months"]
    step_sd = p["demand.volatility_per_sqrt_year"] / math.sqrt(12.0)
    growth = market.demand_kind == "growth"
    if growth:
        initial = p["demand.initial_usd_per_year"]
        log_growth = math.log(p["demand.growth_per_year"])
        log_rho = math.log(p["demand.growth_persistence_per_year"])
        flat = abs(log_rho) < 1e-12
    walk = 0.0
    path: list[float] = []
    for t in range(market.months):
        if t > 0:
            walk += shocks[t]
        noise = walk * step_sd
        if growth:
            years = max(t - delay, 0.0) / 12.0
            integrated = years if flat else math.expm1(years * log_rho) / log_rho
            path.append(_capped(initial, log_growth * integrated + noise, ceiling))
        else:
            shifted = max(t - delay, 0.0)
            level = p[f"demand.path_usd_per_year[{min(int(shifted // 12), market.path_years - 1)}]"]
            path.append(_capped(level, noise, ceiling))
    return path


class _CapabilityDemand:
    """One lab's capability-driven demand in one draw, stepped month by month with plain floats.

    Every parameter is the market's (shared by the labs) and so are the
    segments' shocks; what is the lab's own is the training compute it is
    stepped on.
    """

    def __init__(self, market: _MarketSetup, p: Mapping[str, float], shocks: Sequence[Sequence[float]]) -> None:
        self.market = market
        self.reference_flop = p["capability.initial_training_flop"]
        self.cumulative_flop = self.reference_flop
        self.flop_per_gw_month = p["capability.flop_per_gw_month"]
        self.doubling_months = p["capability.efficiency_doubling_months"]
        self.slope = p["capability.slope_per_decade"]
        self.log_multiple = math.log(p["capability.value_multiple_per_tier"])
        self.log10_frontier_growth = math.log10(p["capability.frontier_compute_growth_per_year"])
        initial = p["demand.initial_usd_per_year"]
        self.initial_addressable = initial * p["capability.initial_overhang"]
        self.shares = [share for _, share in market.segments]
        total_share = sum(self.shares)
        self.adopted = [initial * share / total_share for share in self.shares]
        prefix = [f"capability.segments.{name}." for name, _ in market.segments]
        self.bass = [(p[f + "innovation_per_year"], p[f + "imitation_per_year"]) for f in prefix]
        self.step_sd = [p[f + "volatility_per_sqrt_year"] / math.sqrt(12.0) for f in prefix]
        self.margins = [p[f + "gross_margin"] for f in prefix]
        self.shocks = shocks
        self.walks = [0.0] * len(self.shares)

    def step(self, t: int, training_gw_last: float) -> tuple[float, float, float, float]:
        """Deployed demand (USD/year, capped), gross margin, capability index and overhang in month ``t``."""
        training = 0.0 if math.isnan(training_gw_last) else max(training_gw_last, 0.0)
        self.cumulative_flop = self.cumulative_flop + training * self.flop_per_gw_month
        effective = self.cumulative_flop * 2.0 ** (t / self.doubling_months)
        index = self.slope * math.log10(effective / self.reference_flop)
        rivals = self.slope * (t / 12.0 * self.log10_frontier_growth + t / self.doubling_months * math.log10(2.0))
        k = self.market.rival_labs
        log_share = (
            0.0 if k == 0 else math.log(k + 1.0) - _log1p_exp(math.log(k) - self.log_multiple * (index - rivals))
        )
        addressable = self.initial_addressable * _exp(index * self.log_multiple + log_share)
        if t > 0:
            self.adopted = [
                _bass_step(level, share * addressable, p, q, 1.0 / 12.0)
                for level, share, (p, q) in zip(self.adopted, self.shares, self.bass, strict=True)
            ]
        deployed = sum(self.adopted)
        overhang = addressable / deployed if deployed > 0 else math.inf
        levels = []
        for i, level in enumerate(self.adopted):
            if t > 0:
                self.walks[i] += self.shocks[i][t]
            levels.append(level * _exp(self.walks[i] * self.step_sd[i]))
        total = sum(levels)
        if not math.isfinite(total):  # a level that overflowed dominates: weight the infinite segments equally
            levels = [1.0 if math.isinf(level) else 0.0 for level in levels]
        weight = sum(levels)
        if weight > 0:
            margin = sum(level * m for level, m in zip(levels, self.margins, strict=True)) / weight
        else:
            margin = sum(s * m for s, m in zip(self.shares, self.margins, strict=True)) / sum(self.shares)
        margin = min(max(margin, min(self.margins)), max(self.margins))  # a weighted mean, despite rounding
        return min(total, self.market.ceiling), margin, index, overhang


# ---------------------------------------------------------------------------
# One lab in one draw
# ---------------------------------------------------------------------------


class _LabRun:
    """One lab's books in one draw: contracts, allocation, cash and cohorts, its monthly outputs and its run-off."""

    def __init__(
        self,
        setup: _LabSetup,
        market: _MarketSetup,
        p: Mapping[str, float],
        uniforms: Sequence[float],
        capability: _CapabilityDemand | None,
    ) -> None:
        self.setup = setup
        self.market = market
        self.uniforms = uniforms
        self.capability = capability
        # Contract book: capacity (GW) and payments (USD/year) by month from 0, as long as the last contract runs.
        self.capacity_book: list[float] = []
        self.payment_book: list[float] = []
        self.obligations_after_horizon = 0.0
        self.base_price = p["compute.cost_usd_per_gw_year"]
        self.price_decline = p["compute.price_decline_per_year"]
        self.add_contract(0, setup.initial_contract_months, p["compute.initial_capacity_gw"], self.base_price)
        for online, term, gw, price in setup.contracts:  # signed before the start; months before 0 are gone
            first = max(online, 0)
            self.add_contract(first, online + term - first, gw, price if price > 0 else self.base_price)
        self.fixed_margin = math.nan if capability is not None else p["operations.gross_margin"]
        # Allocation: the share of capacity inference may use, and the planned training share.
        floor = p.get("operations.min_training_share", 0.0)
        if setup.allocation_rule == "inference_first":
            self.inference_cap = p["operations.max_inference_share"]
            self.planned_training = 1.0 - self.inference_cap
        else:
            self.inference_cap = 1.0 - floor
            self.planned_training = (
                max(p["operations.target_training_share"], floor) if setup.allocation_rule == "target_share" else floor
            )
        self.flop_per_gw_month = p["compute.training_flop_per_gw_month"]
        self.hardware_growth = p["compute.flop_per_gw_growth_per_year"]
        self.persistence = p["demand.growth_persistence_per_year"]
        self.opex_fixed_monthly = p["operations.other_opex_usd_per_year"] / 12.0
        self.opex_share = p["operations.opex_share_of_revenue"]
        self.revenue_multiple = p["finance.raise_revenue_multiple"]
        self.raise_max = p["finance.raise_max_usd"]
        self.success_probability = p["finance.raise_success_probability"]
        self.cash = p["finance.starting_cash_usd"]
        self.alive = True
        self.ruin_month = -1
        self.months_since_raise = setup.raise_min_interval_months
        self.training_gw_last = 0.0
        self.demand_seen: list[float] = []  # the lab's demand each month while alive (0 once ruined)
        self.last_margin = math.nan
        self.model_revenue = [0.0] * market.n_models
        self.model_inference = [0.0] * market.n_models
        self.model_training = [0.0] * market.n_models
        self.model_flop = [0.0] * market.n_models
        self.runoff: dict[str, Any] = {}
        names = _LAB_MONTHLY + (_CAPABILITY_MONTHLY if capability is not None else ())
        self.monthly: dict[str, list[float]] = {name: [] for name in names}

    def add_contract(self, first: int, term_months: int, gw: float, price: float) -> None:
        """A contract live in months ``[first, first + term_months)``; payments after the horizon are owed."""
        end = first + term_months
        months_after = end - max(first, self.market.months)
        if months_after > 0:
            self.obligations_after_horizon += gw * price * (months_after / 12.0)
        if end > len(self.capacity_book):
            grow = end - len(self.capacity_book)
            self.capacity_book += [0.0] * grow
            self.payment_book += [0.0] * grow
        rate = gw * price
        for m in range(first, end):
            self.capacity_book[m] += gw
            self.payment_book[m] += rate

    def capacity_at(self, month: int) -> float:
        """Capacity under contract in ``month`` (0 past the last contract)."""
        return self.capacity_book[month] if month < len(self.capacity_book) else 0.0

    def payment_at(self, month: int) -> float:
        """Contract payments in ``month``, USD/year (0 past the last contract)."""
        return self.payment_book[month] if month < len(self.payment_book) else 0.0

    def step_capability(self, t: int) -> tuple[float, float]:
        """Step the lab's capability on its training compute of last month: its deployed demand and margin.

        Last month's GW count at last month's hardware, ``h^((t - 1) / 12)`` GW at the start's.
        """
        assert self.capability is not None
        training = self.training_gw_last
        if t > 1:
            training = training * self.hardware_growth ** ((t - 1) / 12.0)
        deployed, margin, index, overhang = self.capability.step(t, training)
        self.monthly["capability_index"].append(index)
        self.monthly["overhang"].append(overhang)
        return deployed, margin

    def _round(self, t: int, served: float, seen: float) -> tuple[float, float]:
        """Size and chance of closing of a round attempted in month ``t``."""
        setup = self.setup
        size = min(self.raise_max, self.revenue_multiple * served)
        elasticity = setup.raise_growth_elasticity
        if elasticity == 0:
            return size, self.success_probability
        reference = setup.raise_reference_growth
        # Demand a year ago; before month 12, as if it had grown at the reference growth before the start.
        year_ago = self.demand_seen[t - 12] if t >= 12 else self.demand_seen[0] * reference ** ((t - 12) / 12.0)
        no_base = math.inf if seen > 0 else 0.0  # demand from nothing is growth without bound
        growth = seen / year_ago if year_ago > 0 else no_base
        growth = 0.0 if math.isnan(growth) else min(max(growth, 0.0), MAX_GROWTH_PER_YEAR)
        size = min(self.raise_max, self.revenue_multiple * served * (growth / reference) ** elasticity)
        return size, (self.success_probability if growth > 1.0 else 0.0)

    def step(self, t: int, demand: float, share: float, margin: float) -> None:
        """Month ``t`` of the lab, given its demand, market share and gross margin."""
        setup = self.setup
        cost_share = 1.0 - margin

        # Procurement at the lab's decision months: the policy sees the least capacity under contract over the
        # decision's planning window, from arrival on.
        committed_gw = committed_usd = 0.0
        decision = setup.decisions.get(t)
        if decision is not None:
            price_now = self.base_price if t == 0 else self.base_price * (1.0 - self.price_decline) ** (t / 12.0)
            if self.alive:
                arrival = t + setup.lead_time
                window = setup.windows[t]
                scheduled = min(self.capacity_at(m) for m in range(arrival, arrival + window + 1))
                committed_gw = setup.policy(t, decision, demand, scheduled, price_now, margin)
                if not (committed_gw >= 0.0 and math.isfinite(committed_gw)):
                    raise ValueError(
                        f"policy of lab {setup.lab.name!r} returned negative or non-finite GW at month {t}"
                    )
                self.add_contract(arrival, setup.term, committed_gw, price_now)
            committed_usd = committed_gw * price_now * setup.term / 12.0

        # Allocation: inference serves demand up to its cap of capacity; the rest trains.
        alive = self.alive
        capacity = self.capacity_at(t) if alive else 0.0
        payment_rate = self.payment_at(t) if alive else 0.0
        wanted = demand if alive else 0.0
        cost_per_gw = payment_rate / capacity if capacity > 0 else 0.0
        inference_cost_needed = wanted * cost_share
        available_gw = capacity * self.inference_cap
        available_cost = available_gw * cost_per_gw
        if inference_cost_needed <= available_cost:
            inference_cost_rate = inference_cost_needed
            inference_gw = inference_cost_needed / cost_per_gw if cost_per_gw > 0 else 0.0
            served = wanted
        else:
            inference_cost_rate = available_cost
            inference_gw = available_gw
            served = min(available_cost / cost_share, wanted)
        training_gw = capacity - inference_gw
        planned_gw = self.planned_training * capacity

        # Monthly flows.
        revenue = served / 12.0
        compute_payment = payment_rate / 12.0
        inference_cost = min(inference_cost_rate / 12.0, compute_payment)
        training_cost = compute_payment - inference_cost
        other_opex = self.opex_fixed_monthly + self.opex_share * revenue if alive else 0.0

        # Cash, fundraising (rounds may depend on the growth of the lab's demand) and ruin.
        seen = demand if alive else 0.0
        self.demand_seen.append(seen)
        net = revenue - (compute_payment + other_opex)
        cash_before = self.cash + net
        raised = 0.0
        if setup.fundraising:
            burn = max(-net, 0.0)
            low_runway = burn > 0 and cash_before < setup.runway_threshold_months * burn
            attempt = (
                alive and self.months_since_raise >= setup.raise_min_interval_months and (low_runway or cash_before < 0)
            )
            closes = False
            if attempt:
                size, probability = self._round(t, served, seen)
                closes = self.uniforms[t] < probability
                raised = size if closes else 0.0
            self.months_since_raise = 0 if closes and raised > 0 else self.months_since_raise + 1
        self.cash = cash_before + raised
        if alive and self.cash < -RUIN_TOLERANCE_USD:
            self.alive = False
            self.ruin_month = t

        # Model cohorts: the frontier model earns; the next one is trained, with FLOP at this month's hardware.
        frontier = self.market.frontier_index[t]
        self.model_revenue[frontier] += revenue
        self.model_inference[frontier] += inference_cost
        self.model_training[frontier + 1] += training_cost
        flop_per_gw = self.flop_per_gw_month * self.hardware_growth ** (t / 12.0)
        self.model_flop[frontier + 1] += training_gw * flop_per_gw

        values = {
            "gross_margin": margin,
            "demand_usd_per_year": demand,
            "market_share": share,
            "capacity_gw": capacity,
            "new_commitment_gw": committed_gw,
            "new_commitment_usd": committed_usd,
            "inference_gw": inference_gw,
            "training_gw": training_gw,
            "training_share": training_gw / capacity if capacity > 0 else 0.0,
            "squeezed_training_gw": max(planned_gw - training_gw, 0.0),
            "spare_training_gw": max(training_gw - planned_gw, 0.0),
            "revenue_usd": revenue,
            "unserved_usd": (wanted - served) / 12.0,
            "inference_cost_usd": inference_cost,
            "training_cost_usd": training_cost,
            "compute_payment_usd": compute_payment,
            "other_opex_usd": other_opex,
            "financing_usd": raised,
            "cash_usd": self.cash,
        }
        for name, value in values.items():
            self.monthly[name].append(value)
        self.training_gw_last = training_gw
        self.last_margin = margin

    def run_off(self, ceiling: float) -> None:
        """After the horizon: pay every contract to its end on cash and revenue alone.

        No commitments, no rounds, no training: demand grows at the last
        year's log growth, decaying by the growth persistence, up to
        ``ceiling``, and is served with all of the capacity left. The run-off
        lasts until the lab's last month with capacity or payments under
        contract; it stops at ruin.
        """
        horizon = self.market.months
        cash, ruin, revenue_total = self.cash, self.ruin_month, 0.0
        if self.alive:
            demand_history = self.monthly["demand_usd_per_year"]
            base_month = max(horizon - 13, 0)
            last, base = demand_history[-1], demand_history[base_month]
            years = max(horizon - 1 - base_month, 1) / 12.0
            log_growth = math.log(last / base) / years if last > 0 and base > 0 else 0.0
            log_demand = math.log(last) if last > 0 else 0.0
            cost_share = 1.0 - self.last_margin
            books_end = max(
                (m + 1 for m in range(len(self.capacity_book)) if self.capacity_book[m] or self.payment_book[m]),
                default=0,
            )
            for t in range(horizon, books_end):
                log_demand += log_growth * self.persistence ** ((t - horizon + 1) / 12.0) / 12.0
                demand = min(_exp(min(log_demand, 700.0)), ceiling) if last > 0 else 0.0
                capacity, payment = self.capacity_book[t], self.payment_book[t]
                # All of capacity serves: at the fleet's cost per GW, serving takes `payment` a year at most.
                available = payment if capacity > 0 else 0.0
                needed = demand * cost_share
                served = demand if needed <= available else min(available / cost_share, demand)
                revenue = served / 12.0
                cash += revenue - (payment / 12.0 + self.opex_fixed_monthly + self.opex_share * revenue)
                revenue_total += revenue
                if cash < -RUIN_TOLERANCE_USD:
                    ruin = t
                    break
        self.runoff = {
            "ruin_month_including_runoff": ruin,
            "cash_after_runoff_usd": cash,
            "runoff_revenue_usd": revenue_total,
        }

    def final(self) -> dict[str, Any]:
        """Outputs recorded once: ruin month, obligations, per-model P&L, milestone months and the run-off."""
        out: dict[str, Any] = {
            "ruin_month": self.ruin_month,
            "obligations_after_horizon_usd": self.obligations_after_horizon if self.alive else 0.0,
            "model_training_cost_usd": self.model_training,
            "model_revenue_usd": self.model_revenue,
            "model_inference_cost_usd": self.model_inference,
            "model_net_usd": [
                r - i - c for r, i, c in zip(self.model_revenue, self.model_inference, self.model_training, strict=True)
            ],
            "model_training_flop": self.model_flop,
            "inference_cap_share": self.inference_cap,
            **self.runoff,
        }
        if self.capability is not None:
            index = self.monthly["capability_index"]
            out["milestone_month"] = [
                next((m for m, value in enumerate(index) if value >= threshold), -1)
                for _, threshold in self.market.milestones
            ]
        return out


# ---------------------------------------------------------------------------
# One draw of every lab, and the market
# ---------------------------------------------------------------------------


def _shares(market: _MarketSetup, runs: Sequence[_LabRun], log_multiple: float) -> list[float]:
    """Each lab's share of the month's market demand."""
    fixed = [run.setup.lab.market_share for run in runs]
    if market.share_rule != "capability" or len(runs) == 1:
        return fixed
    log_weights = [
        math.log(share) + run.monthly["capability_index"][-1] * log_multiple
        for share, run in zip(fixed, runs, strict=True)
    ]
    top = max(log_weights)
    weights = [math.exp(w - top) for w in log_weights]
    total = sum(weights)
    return [w / total for w in weights]


def _simulate_draw(
    market: _MarketSetup,
    labs: Sequence[_LabSetup],
    parameters: Mapping[str, list[float]],
    shocks: Mapping[str, list[list[float]]],
    i: int,
) -> tuple[dict[str, list[float]], list[_LabRun]]:
    """Run draw ``i`` of every lab month by month: the market's demand and each lab's books."""
    shared = {name: values[i] for name, values in parameters.items()}
    segment_shocks = [shocks[segment_shock_stream(name)][i] for name, _ in market.segments] if market.capability else []
    runs = []
    for setup in labs:
        lab = setup.lab
        own = {path: parameters[lab.parameter_stream(path)][i] for path in shared}
        capability = _CapabilityDemand(market, shared, segment_shocks) if market.capability else None
        runs.append(_LabRun(setup, market, own, shocks[lab.stream(RAISE_UNIFORMS)][i], capability))
    path = [] if market.capability else _demand_path(market, shared, shocks[DEMAND_SHOCKS][i])
    log_multiple = math.log(shared["capability.value_multiple_per_tier"]) if market.capability else 0.0
    market_monthly: dict[str, list[float]] = {name: [] for name in _MARKET_MONTHLY}
    for t in range(market.months):
        if market.capability:
            deployed_and_margin = [run.step_capability(t) for run in runs]
            demand = max(deployed for deployed, _ in deployed_and_margin)
            margins = [margin for _, margin in deployed_and_margin]
        else:
            demand = path[t]
            margins = [run.fixed_margin for run in runs]
        shares = _shares(market, runs, log_multiple)
        for run, share, margin in zip(runs, shares, margins, strict=True):
            run.step(t, demand if len(runs) == 1 else demand * share, share, margin)
        market_monthly["market_demand_usd_per_year"].append(demand)
    for run in runs:
        run.run_off(market.ceiling)
    return market_monthly, runs


def _to_years(values: Sequence[float], how: str) -> list[float]:
    """A column's monthly values reduced to years by a yearly rule (``sum``, ``sum_of_rate``, ``mean`` or ``last``).

    Months are added in order, as :class:`~frontiersim.models.catalogue.YearlyAccumulator` adds them.
    """
    years = []
    for start in range(0, len(values) - 11, 12):
        months = values[start : start + 12]
        if how == "last":
            years.append(months[-1])
            continue
        total = months[0]
        for value in months[1:]:
            total += value
        years.append(total / 12.0 if how in ("mean", "sum_of_rate") else total)
    return years


def _month_major(columns: Sequence[Sequence[float]], rows: int) -> NDArray[np.float64]:
    """Per-column lists of ``rows`` values as a ``(rows, columns)`` array."""
    values: NDArray[np.float64] = np.array(columns, dtype=np.float64).reshape(len(columns), rows).T.copy()
    return values


def _check_catalogue(outputs: Catalogue, monthly: Sequence[str], final: Sequence[str]) -> None:
    """The reference computes exactly the outputs the scenario's catalogue declares."""
    declared_monthly = set(outputs.monthly)
    declared_final = {name for name, spec in outputs.outputs.items() if spec.shape != "monthly"}
    missing = (declared_monthly - set(monthly)) | (declared_final - set(final))
    extra = (set(monthly) - declared_monthly) | (set(final) - declared_final)
    if missing or extra:
        raise NotImplementedError(
            "the reference loop and the output catalogue disagree: "
            f"declared but not computed {sorted(missing)}, computed but not declared {sorted(extra)}"
        )


def simulate_reference(scenario: Scenario, draws: Draws, policy: PolicyArgument = None) -> ChunkOutput:
    """Simulate ``draws`` of every lab one draw at a time with plain Python floats.

    Parameters
    ----------
    scenario : Scenario
    draws : Draws
        From :func:`frontiersim.simulate.sample_draws`: the same inputs
        :func:`~frontiersim.models.engine.run_chunk` takes.
    policy : ProcurementPolicy or mapping of lab name to one, optional
        Overrides the scenario's policies, as in ``run_chunk``: one policy for
        every lab, or some labs' by name (an unknown name is an error).

    Returns
    -------
    ChunkOutput
        Laid out as ``run_chunk``'s: ``by_month`` maps every monthly output of
        the scenario's catalogue to a ``(months, columns)`` array, where
        ``columns`` is ``draws * labs`` (draw-major: column ``i * L + l`` is
        lab ``l`` of draw ``i``) for per-lab outputs and ``draws`` for market
        ones; ``by_year`` maps each yearly output of a monthly one to a
        ``(years, columns)`` array, reduced by its yearly rule; ``final``
        holds ``ruin_month`` (int, -1 for survival) and
        ``obligations_after_horizon_usd`` (``(columns,)``), the per-model
        outputs (``(models, columns)``) and, with capability demand,
        ``milestone_month`` (``(milestones, columns)``, -1 if never reached).

    Raises
    ------
    ValueError
        If a policy commits negative or non-finite GW, or ``policy`` names a
        lab the scenario does not have.
    NotImplementedError
        If the scenario's output catalogue declares an output this loop does
        not compute (or the other way round): the engine gained a component
        the reference has not learnt.
    """
    market = _market_setup(scenario)
    labs = [_lab_setup(scenario, lab, policy) for lab in scenario.labs]
    outputs = catalogue(scenario)
    several = len(labs) > 1  # with one lab the market is the lab, and its figures are not recorded again
    lab_monthly = _LAB_MONTHLY if several else tuple(name for name in _LAB_MONTHLY if name != "market_share")
    monthly_names = (
        (_MARKET_MONTHLY if several else ()) + lab_monthly + (_CAPABILITY_MONTHLY if market.capability else ())
    )
    final_names = (
        "ruin_month",
        "obligations_after_horizon_usd",
        "inference_cap_share",
        *_MODEL_OUTPUTS,
        *_RUNOFF_OUTPUTS,
    ) + (("milestone_month",) if market.capability else ())
    _check_catalogue(outputs, monthly_names, final_names)

    parameters = {name: values.tolist() for name, values in draws.parameters.items()}
    shocks = {name: values.tolist() for name, values in draws.shocks.items()}
    results = [_simulate_draw(market, labs, parameters, shocks, i) for i in range(draws.size)]

    layout = LabLayout(tuple(lab.name for lab in scenario.labs), draws.size)
    months = market.months
    series: dict[str, list[list[float]]] = {}  # name -> one list of months per column
    for name, spec in outputs.monthly.items():
        if spec.per == "market":
            series[name] = [monthly[name] for monthly, _ in results]
        else:
            series[name] = [run.monthly[name] for _, runs in results for run in runs]  # draw-major
    by_month = {name: _month_major(columns, months) for name, columns in series.items()}
    by_year = {
        spec.yearly.name: _month_major([_to_years(column, spec.yearly.how) for column in series[name]], months // 12)
        for name, spec in outputs.monthly.items()
        if spec.yearly is not None
    }
    finals = [run.final() for _, runs in results for run in runs]  # draw-major
    final: dict[str, NDArray[Any]] = {}
    for name in final_names:
        spec = outputs.spec(name)
        dtype = np.int64 if spec.dtype == "int" else np.float64
        if spec.shape == "final":
            final[name] = np.array([f[name] for f in finals], dtype=dtype)
        else:
            rows = market.n_models if spec.shape == "model" else len(market.milestones)
            final[name] = np.array([f[name] for f in finals], dtype=dtype).reshape(layout.columns, rows).T.copy()
    return ChunkOutput(layout=layout, catalogue=outputs, by_month=by_month, by_year=by_year, final=final)

"""A straightforward per-draw Python loop of the frontiersim monthly model.

:func:`simulate_reference` implements the same model as
:func:`frontiersim.models.engine.run_chunk` — demand, procurement, contract
book, allocation, model cohorts, cash with fundraising and ruin — but one draw
at a time, with plain Python floats, lists and loops: there is no numpy
arithmetic over draws. It is the baseline the vectorized simulator is
benchmarked against (``bench_simulate.py``), and ``tests/test_reference_loop.py``
checks that both give the same numbers on the same :class:`frontiersim.Draws`.

Numpy appears only at the edges: the sampled inputs are converted to Python
lists up front, and the outputs are packed into arrays at the end.

Demand
------
Growth and path demand are exogenous: each draw's path is computed before its
months are stepped. Capability demand (``demand.kind = "capability"``) is
stepped with the months, since it depends on the previous month's training
compute: cumulative frontier-run compute, capability index against the rival
labs, addressable value, Bass adoption per segment, each segment's own noise,
and the month's revenue-weighted gross margin.

Policies
--------
The three built-in policies (:class:`~frontiersim.GrowthHedgePolicy`,
:class:`~frontiersim.FixedSchedulePolicy` and
:class:`~frontiersim.QuantilePolicy`) are re-implemented as scalar functions
(the normal quantile comes from :class:`statistics.NormalDist`, not scipy). Any
other policy object, including a subclass of a built-in one, is called through
its ``commit_gw`` on an :class:`~frontiersim.Observation` of 1-element arrays.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from frontiersim import Draws, FixedSchedulePolicy, GrowthHedgePolicy, Observation, QuantilePolicy, Scenario
from frontiersim.models.engine import COHORT_VARIABLES, MONTHLY_VARIABLES, policy_from_spec
from frontiersim.models.finance import RUIN_TOLERANCE_USD
from frontiersim.models.policies import ProcurementPolicy

__all__ = ["ScalarPolicy", "scalar_policy", "simulate_reference"]

#: ``policy(month, decision_index, demand, scheduled_at_arrival_gw, price, gross_margin) -> GW``.
ScalarPolicy = Callable[[int, int, float, float, float, float], float]


def scalar_policy(policy: ProcurementPolicy, lead_time_months: int, contract_term_months: int) -> ScalarPolicy:
    """A one-draw version of a procurement policy.

    Built-in policies are re-implemented with floats; anything else is called on
    1-element arrays.
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


@dataclass(frozen=True)
class _Setup:
    """What does not change from draw to draw."""

    months: int
    demand_kind: str
    path_levels: tuple[float, ...]
    demand_ceiling: float
    segments: tuple[tuple[str, float], ...]
    rival_labs: int
    milestones: tuple[tuple[str, float], ...]
    lead_time: int
    term: int
    initial_contract_months: int
    decisions: dict[int, int]
    frontier_index: tuple[int, ...]
    n_models: int
    fundraising: bool
    runway_threshold_months: float
    raise_min_interval_months: int
    policy: ScalarPolicy


@dataclass
class _DrawOutput:
    """Outputs of one draw as Python lists."""

    monthly: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in MONTHLY_VARIABLES})
    cohorts: dict[str, list[float]] = field(default_factory=dict)
    ruin_month: int = -1
    capability_index: list[float] = field(default_factory=list)
    overhang: list[float] = field(default_factory=list)


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


class _CapabilityDemand:
    """One draw's capability-driven demand, stepped month by month with plain floats."""

    def __init__(self, setup: _Setup, p: dict[str, float], shocks: list[list[float]]) -> None:
        self.setup = setup
        self.reference_flop = p["capability.initial_training_flop"]
        self.cumulative_flop = self.reference_flop
        self.flop_per_gw_month = p["capability.flop_per_gw_month"]
        self.doubling_months = p["capability.efficiency_doubling_months"]
        self.slope = p["capability.slope_per_decade"]
        self.log_multiple = math.log(p["capability.value_multiple_per_tier"])
        self.log10_frontier_growth = math.log10(p["capability.frontier_compute_growth_per_year"])
        initial = p["demand.initial_usd_per_year"]
        self.initial_addressable = initial * p["capability.initial_overhang"]
        total_share = sum(share for _, share in setup.segments)
        self.shares = [share for _, share in setup.segments]
        self.adopted = [initial * share / total_share for share in self.shares]
        prefix = [f"capability.segments.{name}." for name, _ in setup.segments]
        self.bass = [(p[f + "innovation_per_year"], p[f + "imitation_per_year"]) for f in prefix]
        self.step_sd = [p[f + "volatility_per_sqrt_year"] / math.sqrt(12.0) for f in prefix]
        self.margins = [p[f + "gross_margin"] for f in prefix]
        self.shocks = shocks
        self.walks = [0.0] * len(self.shares)

    def step(self, t: int, training_gw_last: float) -> tuple[float, float, float, float]:
        """Demand (USD/year), gross margin, capability index and overhang in month ``t``."""
        setup = self.setup
        training = 0.0 if math.isnan(training_gw_last) else max(training_gw_last, 0.0)
        self.cumulative_flop = self.cumulative_flop + training * self.flop_per_gw_month
        effective = self.cumulative_flop * 2.0 ** (t / self.doubling_months)
        index = self.slope * math.log10(effective / self.reference_flop)
        rivals = self.slope * (t / 12.0 * self.log10_frontier_growth + t / self.doubling_months * math.log10(2.0))
        k = setup.rival_labs
        log_share = (
            0.0 if k == 0 else math.log(k + 1.0) - _log1p_exp(math.log(k) - self.log_multiple * (index - rivals))
        )
        addressable = self.initial_addressable * math.exp(index * self.log_multiple + log_share)
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
            levels.append(level * math.exp(self.walks[i] * self.step_sd[i]))
        total = sum(levels)
        if total > 0:
            margin = sum(level * m for level, m in zip(levels, self.margins, strict=True)) / total
        else:
            margin = sum(s * m for s, m in zip(self.shares, self.margins, strict=True)) / sum(self.shares)
        margin = min(max(margin, min(self.margins)), max(self.margins))  # a weighted mean, despite rounding
        return min(total, setup.demand_ceiling), margin, index, overhang


def _capped(level: float, log_factor: float, ceiling: float) -> float:
    """``min(level * exp(log_factor), ceiling)`` without overflow; the level itself when the factor is exactly 1."""
    if log_factor == 0.0 or level == 0.0:
        value = level
    else:
        value = level * math.exp(min(log_factor, math.log(ceiling) - math.log(level)))
    return min(value, ceiling)


def _demand_path(setup: _Setup, p: dict[str, float], shocks: Sequence[float]) -> list[float]:
    """Annualised growth or path demand in every month of one draw, USD/year, capped at the scenario's ceiling."""
    ceiling = setup.demand_ceiling
    delay = p["demand.delay_months"]
    step_sd = p["demand.volatility_per_sqrt_year"] / math.sqrt(12.0)
    if setup.demand_kind == "growth":
        initial = p["demand.initial_usd_per_year"]
        log_growth = math.log(p["demand.growth_per_year"])
        log_rho = math.log(p["demand.growth_persistence_per_year"])
        flat = abs(log_rho) < 1e-12
    walk = 0.0
    path: list[float] = []
    for t in range(setup.months):
        if t > 0:
            walk += shocks[t]
        noise = walk * step_sd
        if setup.demand_kind == "path":
            shifted = max(t - delay, 0.0)
            level = setup.path_levels[min(int(shifted // 12), len(setup.path_levels) - 1)]
            path.append(_capped(level, noise, ceiling))
        else:
            years = max(t - delay, 0.0) / 12.0
            integrated = years if flat else math.expm1(years * log_rho) / log_rho
            path.append(_capped(initial, log_growth * integrated + noise, ceiling))
    return path


def _simulate_draw(
    setup: _Setup,
    p: dict[str, float],
    demand_shocks: list[float],
    uniforms: list[float],
    segment_shocks: list[list[float]],
) -> _DrawOutput:
    """Run one draw month by month."""
    months, lead, term = setup.months, setup.lead_time, setup.term
    capability = _CapabilityDemand(setup, p, segment_shocks) if setup.demand_kind == "capability" else None
    demand = _demand_path(setup, p, demand_shocks) if capability is None else []

    # Contract book: capacity (GW) and payments (USD/year) in every month, past the horizon by the lead time.
    width = months + lead + 1
    capacity_book = [0.0] * width
    payment_book = [0.0] * width

    def add_contract(first: int, term_months: int, gw: float, price: float) -> None:
        rate = gw * price
        for m in range(first, min(first + term_months, width)):
            capacity_book[m] += gw
            payment_book[m] += rate

    base_price = p["compute.cost_usd_per_gw_year"]
    price_decline = p["compute.price_decline_per_year"]
    add_contract(0, setup.initial_contract_months, p["compute.initial_capacity_gw"], base_price)

    margin = p["operations.gross_margin"] if capability is None else math.nan
    min_training = p["operations.min_training_share"]
    opex_fixed_monthly = p["operations.other_opex_usd_per_year"] / 12.0
    opex_share = p["operations.opex_share_of_revenue"]
    revenue_multiple = p["finance.raise_revenue_multiple"]
    raise_max = p["finance.raise_max_usd"]
    success_probability = p["finance.raise_success_probability"]

    cash = p["finance.starting_cash_usd"]
    alive = True
    months_since_raise = setup.raise_min_interval_months

    result = _DrawOutput()
    out = result.monthly
    model_revenue = [0.0] * setup.n_models
    model_inference = [0.0] * setup.n_models
    model_training = [0.0] * setup.n_models

    training_gw_last = 0.0
    for t in range(months):
        if capability is None:
            demand_t = demand[t]
        else:
            demand_t, margin, index, overhang = capability.step(t, training_gw_last)
            result.capability_index.append(index)
            result.overhang.append(overhang)
        cost_share = 1.0 - margin

        # Procurement.
        committed_gw = committed_usd = 0.0
        decision = setup.decisions.get(t)
        if decision is not None:
            price_now = base_price if t == 0 else base_price * (1.0 - price_decline) ** (t / 12.0)
            if alive:
                committed_gw = setup.policy(t, decision, demand_t, capacity_book[t + lead], price_now, margin)
                if not (committed_gw >= 0.0 and math.isfinite(committed_gw)):
                    raise ValueError(f"policy returned negative or non-finite GW at month {t}")
                add_contract(t + lead, term, committed_gw, price_now)
            committed_usd = committed_gw * price_now * term / 12.0

        # Allocation: inference serves demand up to capacity; the rest trains.
        capacity = capacity_book[t] if alive else 0.0
        payment_rate = payment_book[t] if alive else 0.0
        wanted = demand_t if alive else 0.0
        cost_per_gw = payment_rate / capacity if capacity > 0 else 0.0
        inference_cost_needed = wanted * cost_share
        available_gw = capacity * (1.0 - min_training)
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

        # Monthly flows.
        revenue = served / 12.0
        compute_payment = payment_rate / 12.0
        inference_cost = min(inference_cost_rate / 12.0, compute_payment)
        training_cost = compute_payment - inference_cost
        other_opex = opex_fixed_monthly + opex_share * revenue if alive else 0.0

        # Cash, fundraising and ruin.
        net = revenue - (compute_payment + other_opex)
        cash_before = cash + net
        raised = 0.0
        if setup.fundraising:
            burn = max(-net, 0.0)
            low_runway = burn > 0 and cash_before < setup.runway_threshold_months * burn
            attempt = (
                alive and months_since_raise >= setup.raise_min_interval_months and (low_runway or cash_before < 0)
            )
            closes = attempt and uniforms[t] < success_probability
            if closes:
                raised = min(raise_max, revenue_multiple * served)
            months_since_raise = 0 if closes and raised > 0 else months_since_raise + 1
        cash = cash_before + raised
        if alive and cash < -RUIN_TOLERANCE_USD:
            alive = False
            result.ruin_month = t

        # Model cohorts: the frontier model earns; the next one is trained.
        frontier = setup.frontier_index[t]
        model_revenue[frontier] += revenue
        model_inference[frontier] += inference_cost
        model_training[frontier + 1] += training_cost

        out["demand_usd_per_year"].append(demand_t)
        out["capacity_gw"].append(capacity)
        out["inference_gw"].append(inference_gw)
        out["training_gw"].append(training_gw)
        out["revenue_usd"].append(revenue)
        out["unserved_usd"].append((wanted - served) / 12.0)
        out["inference_cost_usd"].append(inference_cost)
        out["training_cost_usd"].append(training_cost)
        out["compute_payment_usd"].append(compute_payment)
        out["other_opex_usd"].append(other_opex)
        out["financing_usd"].append(raised)
        out["cash_usd"].append(cash)
        out["new_commitment_gw"].append(committed_gw)
        out["new_commitment_usd"].append(committed_usd)
        out["gross_margin"].append(margin)
        training_gw_last = training_gw

    result.cohorts = {
        "model_training_cost_usd": model_training,
        "model_revenue_usd": model_revenue,
        "model_inference_cost_usd": model_inference,
        "model_net_usd": [r - i - c for r, i, c in zip(model_revenue, model_inference, model_training, strict=True)],
    }
    return result


def simulate_reference(
    scenario: Scenario, draws: Draws, policy: ProcurementPolicy | None = None
) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
    """Simulate ``draws`` one at a time with plain Python floats.

    Parameters
    ----------
    scenario : Scenario
    draws : Draws
        From :func:`frontiersim.sample_draws`; the same inputs ``run_chunk`` takes.
    policy : ProcurementPolicy, optional
        Overrides the scenario's ``[policy]``.

    Returns
    -------
    dict of ndarray
        Every monthly variable of ``run_chunk`` (shape ``(draws, months)``),
        every cohort variable (``(draws, models)``) and ``"ruin_month"``
        (``(draws,)``, -1 for survival). With capability demand also
        ``"year_capability_index"`` and ``"year_overhang"`` (``(draws,
        years)``, at each year's last month) and ``"milestone_month.<name>"``
        (``(draws,)``, first month the index reaches the milestone, -1 if
        never).
    """
    compute = scenario.compute
    releases = scenario.release_months()
    months = scenario.horizon_months
    setup = _Setup(
        months=months,
        demand_kind=scenario.demand.kind,
        path_levels=tuple(float(level) for level in scenario.demand.path_usd_per_year),
        demand_ceiling=float(scenario.demand.ceiling_usd_per_year),
        segments=tuple((name, float(spec.value_share)) for name, spec in scenario.capability.segments.items()),
        rival_labs=scenario.capability.rival_labs,
        milestones=scenario.capability.milestones,
        lead_time=compute.lead_time_months,
        term=compute.contract_term_months,
        initial_contract_months=compute.initial_contract_months_remaining,
        decisions={month: k for k, month in enumerate(scenario.decision_months())},
        frontier_index=tuple(bisect.bisect_right(releases, t) for t in range(months)),
        n_models=len(releases) + 2,
        fundraising=scenario.finance.fundraising_enabled,
        runway_threshold_months=scenario.finance.raise_when_runway_below_months,
        raise_min_interval_months=scenario.finance.raise_min_interval_months,
        policy=scalar_policy(
            policy if policy is not None else policy_from_spec(scenario),
            compute.lead_time_months,
            compute.contract_term_months,
        ),
    )

    parameters = {name: values.tolist() for name, values in draws.parameters.items()}
    demand_shocks = draws.shocks["demand.log_shocks"].tolist()
    raise_uniforms = draws.shocks["finance.raise_uniforms"].tolist()
    capability_mode = scenario.demand.kind == "capability"
    segment_shocks = (
        [draws.shocks[f"capability.segments.{name}.log_shocks"].tolist() for name, _ in setup.segments]
        if capability_mode
        else []
    )

    results = [
        _simulate_draw(
            setup,
            {name: values[i] for name, values in parameters.items()},
            demand_shocks[i],
            raise_uniforms[i],
            [shocks[i] for shocks in segment_shocks],
        )
        for i in range(draws.size)
    ]

    arrays: dict[str, NDArray[np.float64] | NDArray[np.int64]] = {}
    for name in MONTHLY_VARIABLES:
        arrays[name] = np.array([r.monthly[name] for r in results], dtype=np.float64).reshape(draws.size, months)
    for name in COHORT_VARIABLES:
        arrays[name] = np.array([r.cohorts[name] for r in results], dtype=np.float64).reshape(
            draws.size, setup.n_models
        )
    arrays["ruin_month"] = np.array([r.ruin_month for r in results], dtype=np.int64)
    if capability_mode:
        year_end = range(11, months, 12)
        arrays["year_capability_index"] = np.array(
            [[r.capability_index[m] for m in year_end] for r in results], dtype=np.float64
        ).reshape(draws.size, months // 12)
        arrays["year_overhang"] = np.array(
            [[r.overhang[m] for m in year_end] for r in results], dtype=np.float64
        ).reshape(draws.size, months // 12)
        for name, threshold in setup.milestones:
            arrays[f"milestone_month.{name}"] = np.array(
                [next((m for m, index in enumerate(r.capability_index) if index >= threshold), -1) for r in results],
                dtype=np.int64,
            )
    return arrays

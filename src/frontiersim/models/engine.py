"""The month-by-month lab simulation over a chunk of draws.

This module wires the pure kernels together: demand, procurement, allocation,
model cohorts and cash. It is vectorized over draws; the only Python loop is
over months. Every draw is independent of every other, so results do not
depend on how draws are chunked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from frontiersim.draws.sampling import Draws, segment_shock_stream
from frontiersim.models.allocation import allocate
from frontiersim.models.capability import CapabilityDemand, SegmentedDemand, milestone_arrival_months
from frontiersim.models.compute import ContractBook, price_usd_per_gw_year
from frontiersim.models.demand import DemandDriver, GrowthDemand, PathDemand
from frontiersim.models.diffusion import Segment, segment_from_spec
from frontiersim.models.finance import CashState, FundraisingRule, cash_step
from frontiersim.models.policies import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    Observation,
    ProcurementPolicy,
    QuantilePolicy,
)
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.schema import (
    CAPABILITY_BELIEF_NEEDED,
    FixedSchedulePolicySpec,
    GrowthHedgePolicySpec,
    QuantilePolicySpec,
    Scenario,
)

FloatArray = NDArray[np.float64]

#: Monthly outputs: name -> (unit, description). Flows are per month; stocks at month end.
MONTHLY_VARIABLES: dict[str, tuple[str, str]] = {
    "demand_usd_per_year": ("USD/year", "annualised revenue demand"),
    "capacity_gw": ("GW", "compute capacity under contract"),
    "inference_gw": ("GW", "capacity used for inference"),
    "training_gw": ("GW", "capacity used for training"),
    "revenue_usd": ("USD", "revenue served in the month"),
    "unserved_usd": ("USD", "demand not served for lack of capacity in the month"),
    "inference_cost_usd": ("USD", "compute cost attributed to inference in the month"),
    "training_cost_usd": ("USD", "compute cost attributed to training in the month"),
    "compute_payment_usd": ("USD", "contract payments in the month (inference + training)"),
    "other_opex_usd": ("USD", "non-compute operating costs in the month"),
    "financing_usd": ("USD", "money raised in the month"),
    "cash_usd": ("USD", "cash at the end of the month"),
    "new_commitment_gw": ("GW", "capacity committed in the month (arrives after the lead time)"),
    "new_commitment_usd": ("USD", "total contract value committed in the month"),
    "gross_margin": (
        "1",
        "inference gross margin in the month (capability demand: revenue-weighted margin of the segments)",
    ),
}

#: Per-model outputs: name -> (unit, description).
COHORT_VARIABLES: dict[str, tuple[str, str]] = {
    "model_training_cost_usd": ("USD", "training compute spent on the model within the horizon"),
    "model_revenue_usd": ("USD", "revenue served while the model was the frontier model"),
    "model_inference_cost_usd": ("USD", "inference compute cost while the model was the frontier model"),
    "model_net_usd": ("USD", "revenue - inference cost - training cost"),
}


@dataclass(frozen=True)
class ChunkOutput:
    """Raw arrays for one chunk of draws.

    Attributes
    ----------
    by_month : dict of ndarray, each (months, draws)
        Monthly outputs, month-major as the simulation writes them.
    by_model : dict of ndarray, each (models, draws)
        Per-model outputs, model-major.
    ruin_month : ndarray of int, (draws,)
        Month of ruin, -1 if the lab survives the horizon.
    obligations_after_horizon_usd : ndarray, (draws,)
        Contract payments owed for months after the horizon (0 if ruined).
    capability_by_year : dict of ndarray, each (draws, years)
        Capability-driven demand only: the capability index and the overhang
        (addressable over deployed value) in the last month of each year.
    milestone_month : dict of ndarray of int, each (draws,)
        Capability-driven demand only: first month each milestone is reached
        (-1 if not within the horizon).
    """

    by_month: dict[str, FloatArray]
    by_model: dict[str, FloatArray]
    ruin_month: NDArray[np.int64]
    obligations_after_horizon_usd: FloatArray
    capability_by_year: dict[str, FloatArray] = field(default_factory=dict)
    milestone_month: dict[str, NDArray[np.int64]] = field(default_factory=dict)

    @property
    def monthly(self) -> dict[str, FloatArray]:
        """Monthly outputs as ``(draws, months)`` views (no copy)."""
        return {name: values.T for name, values in self.by_month.items()}

    @property
    def cohorts(self) -> dict[str, FloatArray]:
        """Per-model outputs as ``(draws, models)`` views (no copy)."""
        return {name: values.T for name, values in self.by_model.items()}


def policy_from_spec(scenario: Scenario) -> ProcurementPolicy:
    """Build the procurement policy a scenario's ``[policy]`` table describes.

    Raises
    ------
    ValueError
        For a quantile policy without a growth belief when capability drives
        demand: the belief is otherwise derived from ``demand.growth_per_year``,
        which capability demand does not use (a scenario file with this
        problem fails validation first).
    """
    spec = scenario.policy
    if isinstance(spec, GrowthHedgePolicySpec):
        return GrowthHedgePolicy(spec.assumed_growth_per_year, spec.hedge_factor, spec.target_training_share)
    if isinstance(spec, FixedSchedulePolicySpec):
        return FixedSchedulePolicy(spec.commitments_gw)
    if isinstance(spec, QuantilePolicySpec):
        volatility = (
            spec.belief_volatility_per_sqrt_year
            if spec.belief_volatility_per_sqrt_year >= 0
            else median_demand_volatility(scenario)
        )
        if spec.belief_growth_p5 > 0:
            return QuantilePolicy.from_growth_interval(
                spec.quantile, spec.belief_growth_p5, spec.belief_growth_p95, volatility, spec.target_training_share
            )
        if scenario.demand.kind == "capability":
            raise ValueError(f"the quantile policy needs {CAPABILITY_BELIEF_NEEDED}")
        return _quantile_from_distribution(
            spec.quantile, scenario.demand.growth_per_year, volatility, spec.target_training_share
        )
    raise TypeError(f"unknown policy specification {spec!r}")  # pragma: no cover


def _quantile_from_distribution(
    quantile: float, growth: Distribution, volatility: float, target_training_share: float
) -> QuantilePolicy:
    """A quantile policy whose belief matches the scenario's growth distribution in log space."""
    p5, p95 = float(growth.ppf(0.05)), float(growth.ppf(0.95))
    if p5 <= 0:
        raise ValueError("demand.growth_per_year must be positive to derive the quantile policy's belief")
    if p95 <= p5:
        return QuantilePolicy(quantile, float(np.log(p5)), 0.0, volatility, target_training_share)
    return QuantilePolicy.from_growth_interval(quantile, p5, p95, volatility, target_training_share)


def median_demand_volatility(scenario: Scenario) -> float:
    r"""The scenario's median volatility of log demand, per square-root year.

    Growth and path demand: the median of ``demand.volatility_per_sqrt_year``.
    Capability demand: :math:`\sqrt{\sum_i (w_i \sigma_i)^2}` over the
    segments, with value shares :math:`w_i` and median volatilities
    :math:`\sigma_i` (independent segment shocks, to first order).
    """
    if scenario.demand.kind != "capability":
        return float(scenario.demand.volatility_per_sqrt_year.ppf(0.5))
    segments = [segment_from_spec(name, spec) for name, spec in scenario.capability.segments.items()]
    return float(np.sqrt(sum((float(s.value_share) * float(s.volatility_per_sqrt_year)) ** 2 for s in segments)))


def segments_from_draws(scenario: Scenario, draws: Draws) -> list[Segment]:
    """The scenario's customer segments with per-draw parameters."""
    return [
        Segment(
            name,
            innovation_per_year=draws[f"capability.segments.{name}.innovation_per_year"],
            imitation_per_year=draws[f"capability.segments.{name}.imitation_per_year"],
            volatility_per_sqrt_year=draws[f"capability.segments.{name}.volatility_per_sqrt_year"],
            gross_margin=draws[f"capability.segments.{name}.gross_margin"],
            value_share=spec.value_share,
        )
        for name, spec in scenario.capability.segments.items()
    ]


def demand_driver(scenario: Scenario, draws: Draws) -> DemandDriver:
    """The demand driver of a scenario: exogenous growth, a path, or capability and diffusion.

    Capability demand is a :class:`~frontiersim.models.capability.SegmentedDemand`,
    which also gives the month's gross margin.
    """
    if scenario.demand.kind == "capability":
        segments = segments_from_draws(scenario, draws)
        initial_demand = draws["demand.initial_usd_per_year"]
        capability = CapabilityDemand(
            initial_training_flop=draws["capability.initial_training_flop"],
            flop_per_gw_month=draws["capability.flop_per_gw_month"],
            efficiency_doubling_months=draws["capability.efficiency_doubling_months"],
            slope_per_decade=draws["capability.slope_per_decade"],
            initial_addressable_usd_per_year=initial_demand * draws["capability.initial_overhang"],
            value_multiple_per_tier=draws["capability.value_multiple_per_tier"],
            initial_deployed_usd_per_year=initial_demand,
            draws=draws.size,
            segments=segments,
            frontier_compute_growth_per_year=draws["capability.frontier_compute_growth_per_year"],
            rival_labs=scenario.capability.rival_labs,
        )
        segment_shocks = [draws.shocks[segment_shock_stream(s.name)] for s in segments]
        return SegmentedDemand(capability, segment_shocks, scenario.demand.ceiling_usd_per_year)
    shocks = draws.shocks["demand.log_shocks"]
    if scenario.demand.kind == "path":
        return PathDemand(
            scenario.demand.path_usd_per_year,
            draws["demand.delay_months"],
            draws["demand.volatility_per_sqrt_year"],
            shocks,
            scenario.demand.ceiling_usd_per_year,
        )
    return GrowthDemand(
        draws["demand.initial_usd_per_year"],
        draws["demand.growth_per_year"],
        draws["demand.growth_persistence_per_year"],
        draws["demand.delay_months"],
        draws["demand.volatility_per_sqrt_year"],
        shocks,
        scenario.demand.ceiling_usd_per_year,
    )


def run_chunk(scenario: Scenario, draws: Draws, policy: ProcurementPolicy | None = None) -> ChunkOutput:
    """Simulate the lab month by month for one chunk of draws.

    Parameters
    ----------
    scenario : Scenario
    draws : Draws
        Sampled parameters and shocks for this chunk.
    policy : ProcurementPolicy, optional
        Overrides the scenario's ``[policy]``.

    Returns
    -------
    ChunkOutput

    Notes
    -----
    Each month :math:`t`:

    1. demand :math:`D_t` from the driver, and the gross margin :math:`m_t`
       (``operations.gross_margin``, or with capability demand the
       revenue-weighted margin of the segments,
       :func:`~frontiersim.models.capability.revenue_weighted_margin`);
    2. at a decision month, the policy commits capacity (brief s4, 000);
    3. capacity :math:`K_t` and payments :math:`P_t` from contracts;
    4. inference serves demand up to capacity; training gets the rest
       (:func:`~frontiersim.models.allocation.allocate`, brief s5);
    5. revenue is credited to the frontier model and training cost to the
       next model ("each model is a company", brief s6, 001 and 000);
    6. cash moves by revenue - payments - other costs + financing; ruin is
       absorbing (:func:`~frontiersim.models.finance.cash_step`).
    """
    policy = policy if policy is not None else policy_from_spec(scenario)
    n, months = draws.size, scenario.horizon_months
    compute = scenario.compute

    demand = demand_driver(scenario, draws)
    book = ContractBook(n, months, compute.lead_time_months, compute.contract_term_months)
    base_price = draws["compute.cost_usd_per_gw_year"]
    price_decline = draws["compute.price_decline_per_year"]
    book.add(0, compute.initial_contract_months_remaining, draws["compute.initial_capacity_gw"], base_price)

    segmented = demand if isinstance(demand, SegmentedDemand) else None
    margin = draws["operations.gross_margin"] if segmented is None else segmented.gross_margin
    min_training = draws["operations.min_training_share"]
    opex_fixed_monthly = draws["operations.other_opex_usd_per_year"] / 12.0
    opex_share = draws["operations.opex_share_of_revenue"]

    finance = scenario.finance
    rule = FundraisingRule(
        enabled=finance.fundraising_enabled,
        runway_threshold_months=finance.raise_when_runway_below_months,
        revenue_multiple=draws["finance.raise_revenue_multiple"],
        max_usd=draws["finance.raise_max_usd"],
        min_interval_months=finance.raise_min_interval_months,
        success_probability=draws["finance.raise_success_probability"],
    )
    state = CashState.start(draws["finance.starting_cash_usd"], finance.raise_min_interval_months)
    raise_uniforms = np.ascontiguousarray(draws.shocks["finance.raise_uniforms"].T)

    decisions = {month: k for k, month in enumerate(scenario.decision_months())}
    releases = np.asarray(scenario.release_months(), dtype=np.int64)
    frontier_index = np.searchsorted(releases, np.arange(months), side="right")
    n_models = len(releases) + 2
    # Month-major (and model-major) buffers keep each month's writes contiguous.
    by_model = {name: np.zeros((n_models, n)) for name in COHORT_VARIABLES}
    by_month = {name: np.empty((months, n)) for name in MONTHLY_VARIABLES}
    training_gw_last = np.zeros(n)

    for t in range(months):
        alive = state.alive
        demand_t = demand.demand_usd_per_year(t, training_gw_last)
        if segmented is not None:
            margin = segmented.gross_margin
        committed_gw = np.zeros(n)
        committed_usd = np.zeros(n)
        if t in decisions:
            price_now = price_usd_per_gw_year(base_price, price_decline, t)
            observation = Observation(
                month=t,
                decision_index=decisions[t],
                demand_usd_per_year=demand_t,
                scheduled_capacity_at_arrival_gw=book.capacity_at(t + compute.lead_time_months),
                price_usd_per_gw_year=price_now,
                gross_margin=margin,
                lead_time_months=compute.lead_time_months,
                contract_term_months=compute.contract_term_months,
            )
            committed_gw = np.where(alive, np.asarray(policy.commit_gw(observation), dtype=float), 0.0)
            if np.any(committed_gw < 0) or not np.all(np.isfinite(committed_gw)):
                raise ValueError(f"policy {policy!r} returned negative or non-finite GW at month {t}")
            book.commit(t, committed_gw, price_now)
            committed_usd = committed_gw * price_now * compute.contract_term_months / 12.0

        capacity = np.where(alive, book.capacity_at(t), 0.0)
        payment_rate = np.where(alive, book.payment_at(t), 0.0)
        split = allocate(np.where(alive, demand_t, 0.0), capacity, payment_rate, margin, min_training)

        revenue = split.served_usd_per_year / 12.0
        compute_payment = payment_rate / 12.0
        inference_cost = np.minimum(split.inference_cost_usd_per_year / 12.0, compute_payment)
        training_cost = compute_payment - inference_cost
        other_opex = np.where(alive, opex_fixed_monthly + opex_share * revenue, 0.0)
        financing = cash_step(
            state,
            t,
            revenue,
            split.served_usd_per_year,
            compute_payment + other_opex,
            rule,
            raise_uniforms[t],
        )

        frontier = frontier_index[t]
        by_model["model_revenue_usd"][frontier] += revenue
        by_model["model_inference_cost_usd"][frontier] += inference_cost
        by_model["model_training_cost_usd"][frontier + 1] += training_cost

        by_month["demand_usd_per_year"][t] = demand_t
        by_month["capacity_gw"][t] = capacity
        by_month["inference_gw"][t] = split.inference_gw
        by_month["training_gw"][t] = split.training_gw
        by_month["revenue_usd"][t] = revenue
        by_month["unserved_usd"][t] = split.unserved_usd_per_year / 12.0
        by_month["inference_cost_usd"][t] = inference_cost
        by_month["training_cost_usd"][t] = training_cost
        by_month["compute_payment_usd"][t] = compute_payment
        by_month["other_opex_usd"][t] = other_opex
        by_month["financing_usd"][t] = financing
        by_month["cash_usd"][t] = state.cash_usd
        by_month["new_commitment_gw"][t] = committed_gw
        by_month["new_commitment_usd"][t] = committed_usd
        by_month["gross_margin"][t] = margin
        training_gw_last = split.training_gw

    by_model["model_net_usd"] = (
        by_model["model_revenue_usd"] - by_model["model_inference_cost_usd"] - by_model["model_training_cost_usd"]
    )
    capability_by_year: dict[str, FloatArray] = {}
    milestone_month: dict[str, NDArray[np.int64]] = {}
    if segmented is not None:
        index_path = segmented.driver.capability_index_path
        capability_by_year = {
            "capability_index": np.ascontiguousarray(index_path[:, 11::12]),
            "overhang": np.ascontiguousarray(segmented.driver.overhang_path[:, 11::12]),
        }
        milestone_month = milestone_arrival_months(index_path, scenario.capability.milestone_thresholds)
    return ChunkOutput(
        by_month=by_month,
        by_model=by_model,
        ruin_month=state.ruin_month,
        obligations_after_horizon_usd=np.where(state.alive, book.obligations_after_horizon_usd, 0.0),
        capability_by_year=capability_by_year,
        milestone_month=milestone_month,
    )

"""The scenario schema: every key, its default, unit and source, in one place.

The defaults describe an Anthropic-like frontier lab as of January 2026, taken
from the figures in the interviews (``shared/brief/domain.md``; transcripts
``000`` newest to ``004`` oldest). A key's ``source`` names the brief section
and transcript, an Epoch AI figure, or says ``assumption``.

Run ``frontiersim defaults`` to print this table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.fields import spec

INF = math.inf


@dataclass(frozen=True)
class ScenarioMeta:
    """``[scenario]``: what the scenario is and the period it covers."""

    name: str = spec("default", "str", "Short name of the scenario (required in files).")
    description: str = spec("", "str", "Free text describing the scenario.")
    start: str = spec(
        "2026-01", "str", "First simulated month, as YYYY-MM.", "brief s3-s4 (000): the lab as of January 2026"
    )
    horizon_years: int = spec(5, "int", "Length of the simulation in years.", low=1, high=50)

    @property
    def horizon_months(self) -> int:
        """Number of simulated months."""
        return 12 * self.horizon_years


@dataclass(frozen=True)
class SimulationSettings:
    """``[simulation]``: Monte Carlo settings (the CLI can override both)."""

    draws: int = spec(10_000, "int", "Number of Monte Carlo draws.", low=1)
    seed: int = spec(20260101, "int", "Root seed of the SeedSequence all randomness is spawned from.", low=0)


@dataclass(frozen=True)
class DemandSpec:
    """``[demand]``: annualised revenue demand, an exogenous driver.

    ``kind = "growth"``: demand starts at ``initial_usd_per_year`` and grows by
    ``growth_per_year`` (a yearly multiplier), after an optional delay, with
    log growth decaying by ``growth_persistence_per_year`` each year and
    monthly lognormal shocks of ``volatility_per_sqrt_year``.

    ``kind = "path"``: demand follows ``path_usd_per_year``, one level per
    simulated year, held flat within the year (used by the worked examples).
    """

    kind: str = spec(
        "growth",
        "str",
        "Demand driver: exogenous growth, a given yearly path, or capability and diffusion ([capability]).",
        choices=("growth", "path", "capability"),
    )
    initial_usd_per_year: Distribution = spec(
        1.0e10,
        "dist",
        "Annualised revenue demand in the first month, USD/year.",
        "brief s3 (000): ~$9-10B annualised at end 2025",
        low=0.0,
    )
    growth_per_year: Distribution = spec(
        "3 to 20",
        "dist",
        "Yearly multiplier of demand in the first year (10 means 10x a year).",
        "brief s3 (000): ~10x a year so far; 3-10x thought possible at hundreds of $B",
        low=0.0,
        low_open=True,
    )
    growth_persistence_per_year: Distribution = spec(
        0.7,
        "dist",
        "Share of the log growth rate kept from one year to the next (1 = growth never slows).",
        "assumption: growth slows with scale, brief s3 and s4 (000): the economy cannot grow 300% a year",
        low=0.0,
        low_open=True,
        high=1.5,
    )
    delay_months: Distribution = spec(
        {"dist": "choice", "values": [0, 12], "weights": [0.8, 0.2]},
        "dist",
        "Months before growth starts: the curve arriving late, months.",
        "brief s4 (000): 'the curve is just one year late'; weights are an assumption",
        low=0.0,
        high=600.0,
    )
    volatility_per_sqrt_year: Distribution = spec(
        0.3,
        "dist",
        "Volatility of log demand, per square-root year (monthly shocks sd = value / sqrt(12)).",
        "assumption",
        low=0.0,
        high=5.0,
    )
    ceiling_usd_per_year: float = spec(
        1.1e14,
        "float",
        "Upper bound on annualised demand, USD/year (keeps extreme draws finite).",
        "assumption: world GDP ~$110T a year; brief s4 (000): the economy cannot grow 300% a year",
        low=0.0,
        low_open=True,
    )
    path_usd_per_year: tuple[float, ...] = spec(
        (),
        "floats",
        "kind = 'path' only: annualised demand for each simulated year, USD/year.",
        "worked examples",
        low=0.0,
    )


@dataclass(frozen=True)
class CapabilitySpec:
    """``[capability]``: demand driven by the lab's own training compute (``demand.kind = "capability"``).

    Training compute raises a capability index log-linearly in effective
    compute (physical compute times algorithmic efficiency); capability
    multiplies the value the models could address; deployed demand follows
    it by Bass diffusion in enterprise and consumer segments. Demand starts at
    ``demand.initial_usd_per_year`` and carries ``demand.volatility_per_sqrt_year``.
    See :class:`frontiersim.models.capability.CapabilityDemand`.
    """

    initial_training_flop: Distribution = spec(
        "2e26 to 1e27",
        "dist",
        "Physical training compute behind the frontier model at the start, FLOP.",
        "Epoch AI notable models: largest disclosed 2025 runs ~5e26 FLOP (assumption for undisclosed ones)",
        low=0.0,
        low_open=True,
    )
    flop_per_gw_month: Distribution = spec(
        "3e25 to 1.5e26",
        "dist",
        "Frontier-model training compute one GW of training capacity adds in a month, FLOP/(GW month).",
        "assumption: ~7e26 FLOP per GW-month (H100-class, ~40% utilisation), ~10% of it in the frontier run",
        low=0.0,
    )
    efficiency_doubling_months: Distribution = spec(
        "5 to 14",
        "dist",
        "Months for algorithmic progress to halve the compute needed, months.",
        "Epoch AI (Ho et al. 2024): ~8 months, 95% CI ~5-14",
        low=0.0,
        low_open=True,
    )
    slope_per_decade: Distribution = spec(
        1.0,
        "dist",
        "Capability tiers gained per 10x of effective compute.",
        "brief s1 (001): 10x more training spend moves a model roughly one tier",
        low=0.0,
    )
    value_multiple_per_tier: Distribution = spec(
        "5 to 20",
        "dist",
        "Multiple of addressable value per capability tier.",
        "brief s1 (001): customers value one tier at roughly 10x",
        low=0.0,
        low_open=True,
    )
    initial_overhang: Distribution = spec(
        10.0,
        "dist",
        "Addressable value over deployed value at the start.",
        "brief s2 (002): capability is about 10x what enterprises can deploy",
        low=1.0,
    )


@dataclass(frozen=True)
class ComputeSpec:
    """``[compute]``: capacity already owned, contract terms and prices."""

    initial_capacity_gw: Distribution = spec(
        2.0,
        "dist",
        "Capacity under contract in the first month, GW.",
        "assumption: multi-GW deals for 2026; industry ~10-15 GW in 2026, brief s4 (000)",
        low=0.0,
    )
    initial_contract_months_remaining: int = spec(
        36, "int", "Months the initial capacity stays under contract.", "assumption", low=0
    )
    cost_usd_per_gw_year: Distribution = spec(
        "10e9 to 15e9",
        "dist",
        "Price of one GW of compute for one year, USD/GW/year (also the initial fleet's price).",
        "brief s4 (000): each GW costs ~$10-15B a year",
        low=0.0,
        low_open=True,
    )
    price_decline_per_year: Distribution = spec(
        0.0,
        "dist",
        "Fractional fall per year in the price of newly signed capacity, 1/year.",
        "assumption: flat per GW; Epoch's ~1.3x/yr FLOP/s per dollar shows up as capability per GW",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    lead_time_months: int = spec(
        18,
        "int",
        "Months from commitment to available capacity.",
        "brief s4 (000): data centres reserved 1-2 years ahead",
        low=0,
    )
    contract_term_months: int = spec(
        60,
        "int",
        "Months each commitment lasts and is paid for.",
        "brief s4 (000): a $1T-a-year commitment for 5 years is $5T",
        low=1,
    )
    decision_interval_months: int = spec(
        12, "int", "Months between procurement decisions.", "brief s4 (000): yearly buying decisions", low=1
    )
    first_decision_month: int = spec(0, "int", "Month index of the first procurement decision.", low=0)
    decision_months: tuple[int, ...] = spec(
        (),
        "ints",
        "Explicit month indices of procurement decisions (overrides the interval when given).",
        low=0,
    )


@dataclass(frozen=True)
class OperationsSpec:
    """``[operations]``: margins, the training floor and other costs."""

    gross_margin: Distribution = spec(
        {"dist": "triangular", "low": 0.5, "mode": 0.6, "high": 0.75},
        "dist",
        "Inference gross margin: inference compute cost = revenue x (1 - margin).",
        "brief s5-s6 (000): margin above 50%, 75% in the single-model example; Epoch: ~60% in July 2025",
        low=0.0,
        high=1.0,
    )
    min_training_share: Distribution = spec(
        0.0,
        "dist",
        "Share of capacity always kept for training, even when demand goes unserved.",
        "assumption: brief s5 (000) lets demand squeeze research",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    other_opex_usd_per_year: Distribution = spec(
        4.0e9, "dist", "Non-compute operating costs (staff, offices), USD/year.", "assumption", low=0.0
    )
    opex_share_of_revenue: Distribution = spec(
        0.1, "dist", "Further operating costs as a share of served revenue.", "assumption", low=0.0, high=1.0
    )


@dataclass(frozen=True)
class ModelsSpec:
    """``[models]``: the release cadence of model cohorts."""

    release_interval_months: int = spec(
        6, "int", "Months between frontier model releases.", "assumption: roughly two major releases a year", low=1
    )
    first_release_month: int = spec(
        6, "int", "Month index of the first release within the horizon.", "assumption", low=0
    )


@dataclass(frozen=True)
class FinanceSpec:
    """``[finance]``: cash, fundraising and ruin."""

    starting_cash_usd: Distribution = spec(
        3.0e10, "dist", "Cash in the first month, USD.", "assumption: after the 2025 funding rounds", low=0.0
    )
    fundraising_enabled: bool = spec(True, "bool", "Whether the lab can raise money.", "assumption")
    raise_when_runway_below_months: float = spec(
        12.0, "float", "Try to raise when cash covers fewer months of the current burn.", low=0.0
    )
    raise_revenue_multiple: Distribution = spec(
        "1 to 4",
        "dist",
        "Size of a round as a multiple of annualised served revenue.",
        "assumption: rounds at ~20-40x revenue selling ~5-10% of the company",
        low=0.0,
    )
    raise_max_usd: Distribution = spec(1.0e11, "dist", "Largest single round, USD.", "assumption", low=0.0)
    raise_min_interval_months: int = spec(6, "int", "Months between two rounds.", "assumption", low=1)
    raise_success_probability: Distribution = spec(
        0.8, "dist", "Probability that an attempted round closes.", "assumption", low=0.0, high=1.0
    )


@dataclass(frozen=True)
class GrowthHedgePolicySpec:
    """``[policy] kind = "growth_hedge"``: assume growth continues, buy the forecast times a hedge."""

    assumed_growth_per_year: float = spec(
        3.0,
        "float",
        "Yearly growth the buyer assumes when forecasting demand at arrival.",
        "assumption: 'hundreds of billions, not trillions', brief s4 (000)",
        low=0.0,
        low_open=True,
    )
    hedge_factor: float = spec(
        0.6, "float", "Multiplier on the forecast requirement.", "assumption: ~2% ruin in the default", low=0.0
    )
    target_training_share: float = spec(
        0.5,
        "float",
        "Share of capacity planned for training when sizing a purchase.",
        "brief s5 (000): the 50/50 toy; training share 'of order one'",
        low=0.0,
        high=1.0,
        high_open=True,
    )


@dataclass(frozen=True)
class FixedSchedulePolicySpec:
    """``[policy] kind = "fixed_schedule"``: buy a fixed GW amount at each decision."""

    commitments_gw: tuple[float, ...] = spec(
        (), "floats", "GW committed at each decision, in order (missing entries mean 0).", low=0.0
    )


@dataclass(frozen=True)
class QuantilePolicySpec:
    """``[policy] kind = "quantile"``: buy for the q-quantile of forecast demand."""

    quantile: float = spec(
        0.5,
        "float",
        "Quantile of forecast demand at arrival to buy for.",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
    )
    target_training_share: float = spec(
        0.5,
        "float",
        "Share of capacity planned for training when sizing a purchase.",
        "brief s5 (000)",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    belief_growth_p5: float = spec(
        0.0, "float", "Buyer's 5th percentile of yearly growth (0: use the scenario's demand growth).", low=0.0
    )
    belief_growth_p95: float = spec(
        0.0, "float", "Buyer's 95th percentile of yearly growth (0: use the scenario's demand growth).", low=0.0
    )
    belief_volatility_per_sqrt_year: float = spec(
        -1.0,
        "float",
        "Buyer's view of demand volatility (-1: use the scenario's median volatility).",
        low=-1.0,
    )


PolicySpec = GrowthHedgePolicySpec | FixedSchedulePolicySpec | QuantilePolicySpec

#: Policy kinds accepted in ``[policy] kind``.
POLICY_KINDS: dict[str, type] = {
    "growth_hedge": GrowthHedgePolicySpec,
    "fixed_schedule": FixedSchedulePolicySpec,
    "quantile": QuantilePolicySpec,
}


def policy_kind(policy: PolicySpec) -> str:
    """The ``kind`` string of a policy specification."""
    for kind, cls in POLICY_KINDS.items():
        if isinstance(policy, cls):
            return kind
    raise TypeError(f"not a policy specification: {policy!r}")  # pragma: no cover


@dataclass(frozen=True)
class Scenario:
    """A validated, frozen scenario.

    Build one with :func:`frontiersim.load_scenario` (from a TOML file),
    :func:`frontiersim.parse_scenario` (from a dict) or
    :func:`frontiersim.scenario.bundled` (a shipped scenario). Derive variants
    with :func:`dataclasses.replace`.
    """

    meta: ScenarioMeta = field(default_factory=ScenarioMeta)
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    demand: DemandSpec = field(default_factory=DemandSpec)
    capability: CapabilitySpec = field(default_factory=CapabilitySpec)
    compute: ComputeSpec = field(default_factory=ComputeSpec)
    operations: OperationsSpec = field(default_factory=OperationsSpec)
    models: ModelsSpec = field(default_factory=ModelsSpec)
    finance: FinanceSpec = field(default_factory=FinanceSpec)
    policy: PolicySpec = field(default_factory=GrowthHedgePolicySpec)
    source_text: str = field(default="", compare=False, repr=False)

    @property
    def horizon_months(self) -> int:
        """Number of simulated months."""
        return self.meta.horizon_months

    def decision_months(self) -> tuple[int, ...]:
        """Month indices at which procurement decisions are made."""
        if self.compute.decision_months:
            return tuple(sorted(set(self.compute.decision_months)))
        return tuple(
            range(self.compute.first_decision_month, self.horizon_months, self.compute.decision_interval_months)
        )

    def release_months(self) -> tuple[int, ...]:
        """Month indices of model releases within the horizon."""
        return tuple(range(self.models.first_release_month, self.horizon_months, self.models.release_interval_months))


#: Section name in TOML -> (attribute on Scenario, section dataclass).
SECTIONS: dict[str, tuple[str, type]] = {
    "scenario": ("meta", ScenarioMeta),
    "simulation": ("simulation", SimulationSettings),
    "demand": ("demand", DemandSpec),
    "capability": ("capability", CapabilitySpec),
    "compute": ("compute", ComputeSpec),
    "operations": ("operations", OperationsSpec),
    "models": ("models", ModelsSpec),
    "finance": ("finance", FinanceSpec),
}


def section_types() -> dict[str, type]:
    """Every TOML section and policy kind with its dataclass, for documentation."""
    table: dict[str, Any] = {name: cls for name, (_, cls) in SECTIONS.items()}
    for kind, cls in POLICY_KINDS.items():
        table[f"policy (kind = {kind!r})"] = cls
    return table

"""The scenario schema: every key, its default, unit and source, in one place.

The defaults describe an Anthropic-like frontier lab as of January 2026, taken
from the figures Dario Amodei gave in five public interviews (2024-11 to
2026-02) and from public datasets (Epoch AI, CC-BY 4.0). A key's ``source`` is
a citation from the bibliography of :mod:`frontiersim.scenario.sources` (an
interview's title, date and a short quote, or a dataset), an assumption with
its reason, or a setting with nothing to source.

Run ``frontiersim defaults`` to print this table, with the count of the keys
that are assumptions (``frontiersim defaults --unsourced`` lists only those).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, make_dataclass, replace
from typing import Any

from frontiersim.scenario.correlations import normal_correlation, spearman_correlation
from frontiersim.scenario.distributions import Distribution, Fixed, as_distribution
from frontiersim.scenario.errors import Problem, bad_value
from frontiersim.scenario.fields import spec, table_metadata
from frontiersim.scenario.sources import (
    CHEEKY_PINT_2025,
    DAVOS_2026,
    DWARKESH_2026,
    EPOCH_COMPUTE_SPEND,
    EPOCH_ML_HARDWARE,
    EPOCH_NOTABLE_MODELS,
    EPOCH_REVENUE_REPORTS,
    HO_2024,
    KAMATH_2026,
    SULTAN_1990,
    Assumption,
    Citation,
    Setting,
    Sources,
)

INF = math.inf

# The model's range (:attr:`~frontiersim.scenario.fields.FieldSpec.model_range`):
# values far beyond any the interviews or the data suggest, chosen so that the
# sums and products the model forms stay finite. Each range is a statement of
# what the arithmetic handles, not of what is plausible (the typical ranges say that).

#: Longest span in months any key may give (a lead time, a term, an interval): the longest horizon, 50 years.
MAX_MONTHS = 600

#: Money, USD or USD/year: a hundred times world output (~$1.1e14 a year).
USD_RANGE = (0.0, 1.0e16)

#: Price of compute, USD per GW-year: 10,000 times cheaper to 10,000 times dearer than ~$10-15B.
COST_RANGE = (1.0e6, 1.0e14)

#: Capacity, GW: the most one contract may hold (the world's generating capacity is ~9,000 GW).
GW_RANGE = (0.0, 1.0e4)

#: Training compute, FLOP, and FLOP per GW-month: at most 1e45 (frontier runs were ~1e26 in 2025).
FLOP_RANGE = (0.0, 1.0e45)

#: The reference training compute that capability is measured from, FLOP: the model divides by it.
REFERENCE_FLOP_RANGE = (1.0e10, FLOP_RANGE[1])

#: Yearly growth multipliers: at most a million times a year (demand has grown ~10x a year; a
#: lognormal fitted to the reported run-rates puts its 1e-6 tail near 67,000x).
GROWTH_RANGE = (0.0, 1.0e6)

#: Multipliers without a unit of time (a hedge, a revenue multiple, a value per tier).
MULTIPLE_RANGE = (0.0, 1.0e3)

#: Bass coefficients, per year: 100 a year adopts within days.
BASS_RANGE = (0.0, 100.0)


@dataclass(frozen=True)
class ScenarioMeta:
    """``[scenario]``: what the scenario is and the period it covers."""

    name: str = spec(
        "default",
        "str",
        "Short name of the scenario (required in files).",
        Setting("a label chosen by the scenario's author"),
        unit="",
        label="scenario name",
    )
    description: str = spec(
        "",
        "str",
        "Free text describing the scenario.",
        Setting("free text chosen by the scenario's author"),
        unit="",
        label="description",
    )
    start: str = spec(
        "2026-01",
        "str",
        "First simulated month, as YYYY-MM.",
        Citation(
            DWARKESH_2026,
            "beginning of this year we're looking at 10 billion in in in annual in you know rate of annual ize revenue",
            note="the lab as of January 2026, the month of the interview's starting figures",
        ),
        unit="",
        label="start month",
    )
    horizon_years: int = spec(
        5,
        "int",
        "Length of the simulation in years.",
        Setting("the period the user simulates; five years runs to the end of 2030"),
        low=1,
        high=50,
        unit="years",
        label="horizon",
        typical=(1, 10),
    )

    @property
    def horizon_months(self) -> int:
        """Number of simulated months."""
        return 12 * self.horizon_years


@dataclass(frozen=True)
class SimulationSettings:
    """``[simulation]``: Monte Carlo settings (the CLI can override both)."""

    draws: int = spec(
        10_000,
        "int",
        "Number of Monte Carlo draws.",
        Setting("precision of the Monte Carlo estimates, not a figure about the lab"),
        low=1,
        unit="draws",
        label="draws",
    )
    seed: int = spec(
        20260101,
        "int",
        "Root seed of the SeedSequence all randomness is spawned from.",
        Setting("any seed; fixed so that runs repeat"),
        low=0,
        unit="1",
        label="seed",
    )


@dataclass(frozen=True)
class DemandSpec:
    """``[demand]``: annualised revenue demand, an exogenous driver.

    ``kind = "growth"``: demand starts at ``initial_usd_per_year`` and grows by
    ``growth_per_year`` (a yearly multiplier), after an optional delay, with
    log growth decaying by ``growth_persistence_per_year`` each year and
    monthly lognormal shocks of ``volatility_per_sqrt_year``.

    ``kind = "path"``: demand follows ``path_usd_per_year``, one level per
    simulated year, held flat within the year (used by the worked examples).
    A year's level may be a distribution, each sampled in its own stream
    (``demand.path_usd_per_year[k]``), with rank correlation
    ``path_correlation`` between consecutive years (:attr:`Scenario.joint_correlations`).

    ``kind = "capability"``: demand comes from the lab's training compute
    through capability and diffusion (``[capability]``); only
    ``initial_usd_per_year`` and ``ceiling_usd_per_year`` apply.
    """

    kind: str = spec(
        "growth",
        "str",
        "Demand driver: exogenous growth, a given yearly path, or capability and diffusion ([capability]).",
        Setting("which demand model to run; exogenous growth is the simplest reading of the revenue curve"),
        choices=("growth", "path", "capability"),
        unit="",
        label="demand driver",
    )
    initial_usd_per_year: Distribution = spec(
        1.0e10,
        "dist",
        "Annualised revenue demand in the first month, USD/year.",
        Sources(
            (
                Citation(DWARKESH_2026, "2025 it was a billion to like 9 or 10 billion"),
                Citation(
                    EPOCH_REVENUE_REPORTS,
                    note="Anthropic's reported run-rates: $1B at 2024-12-31, $7B at 2025-10-21",
                ),
            ),
            note="~$10B annualised revenue at the start of 2026",
        ),
        low=0.0,
        model_range=USD_RANGE,
        unit="USD/year",
        label="starting demand",
        typical=(1.0e9, 5.0e10),
    )
    growth_per_year: Distribution = spec(
        "3 to 20",
        "dist",
        "Yearly multiplier of demand in the first year (10 means 10x a year).",
        Sources(
            (
                Citation(DWARKESH_2026, "we've had a 10x a year increase every year"),
                Citation(
                    DWARKESH_2026,
                    "three or five or 10x a year growth even when you're in the hundreds of billions of dollars",
                ),
            ),
            note="10x a year so far, 3-10x thought possible at scale; the 3-20 range (median ~7.7x) spreads "
            "around them, an assumption",
        ),
        low=0.0,
        low_open=True,
        model_range=GROWTH_RANGE,
        unit="x/year",
        label="demand growth",
        typical=(1.0, 30.0),
    )
    growth_persistence_per_year: Distribution = spec(
        0.7,
        "dist",
        "Share of the log growth rate kept from one year to the next (1 = growth never slows).",
        Citation(
            DWARKESH_2026,
            "three or five or 10x a year growth even when you're in the hundreds of billions of dollars",
            note="0.7 takes 10x a year to ~5x in the second year and ~3x in the third, when revenue is in the "
            "hundreds of billions",
        ),
        low=0.0,
        low_open=True,
        high=1.5,
        unit="1",
        label="growth persistence",
        typical=(0.05, 1.5),
    )
    delay_months: Distribution = spec(
        0.0,
        "dist",
        "Months before growth starts: the curve arriving late, months.",
        Citation(
            DWARKESH_2026,
            "we added another few billion to revenue in January",
            note="the curve had not stalled at the start of 2026: no delay by default; the interview's late curve "
            "('off by a year') is the one_trillion_bet_uncertain scenario",
        ),
        low=0.0,
        high=600.0,
        unit="months",
        label="growth delay",
        typical=(0.0, 24.0),
    )
    volatility_per_sqrt_year: Distribution = spec(
        0.3,
        "dist",
        "Volatility of log demand, per square-root year (monthly shocks sd = value / sqrt(12)); "
        "growth and path demand (capability demand uses each segment's).",
        Assumption(
            "no public figure for the month-to-month noise of a lab's revenue; 0.3 puts a year's one-sigma "
            "band at about -26% to +35%"
        ),
        low=0.0,
        high=5.0,
        unit="1/sqrt(year)",
        label="demand volatility",
        typical=(0.0, 1.5),
    )
    ceiling_usd_per_year: float = spec(
        5.0e13,
        "float",
        "Upper bound on annualised demand, USD/year: the wage bill the models could take over.",
        Citation(
            DWARKESH_2026,
            "We pay humans upwards of $50 trillion in wages",
            note="the wage bill, which AI revenue replaces, rather than world GDP (~$110T)",
        ),
        low=0.0,
        low_open=True,
        model_range=USD_RANGE,
        unit="USD/year",
        label="demand ceiling",
        typical=(1.0e11, 1.1e14),
    )
    path_usd_per_year: tuple[Distribution, ...] = spec(
        (),
        "dists",
        "kind = 'path' only: annualised demand for each simulated year, USD/year; a year may be a distribution.",
        Setting("given by a scenario that follows a stated path, such as the worked examples"),
        low=0.0,
        model_range=USD_RANGE,
        unit="USD/year",
        label="demand path",
        typical=(1.0e9, 1.0e12),
    )
    path_correlation: float = spec(
        0.0,
        "float",
        "kind = 'path' only: Spearman rank correlation of the uncertain levels of consecutive years "
        "(AR(1) in the copula's normals: years k apart have normal correlation rho^k).",
        Assumption("independent years unless the scenario says how they move together"),
        low=-1.0,
        high=1.0,
        unit="1",
        label="path correlation",
        typical=(0.0, 0.95),
    )


#: The milestone ladder named in the Dwarkesh Podcast (2026-02-13): name -> (threshold in capability
#: tiers above the frontier model at the start, source). The names and their order are the interview's.
#: The last rung is calibrated to the interview's odds for it; the others are spaced evenly below it
#: (an assumption). One tier = 10x effective training compute at ``slope_per_decade = 1``.
MILESTONE_LADDER: dict[str, tuple[float, Citation | Assumption]] = {
    "code_90pct_written_by_models": (
        0.45,
        Assumption(
            "threshold one sixth of the ladder, reached in 2026; the rung is named in the interview",
            context=(Citation(DWARKESH_2026, "90% of code is written by the model"),),
        ),
    ),
    "code_100pct_written_by_models": (
        0.9,
        Assumption(
            "threshold evenly spaced below the last rung; the rung is named in the interview",
            context=(Citation(DWARKESH_2026, "100% of code is written by the model"),),
        ),
    ),
    "swe_tasks_90pct_end_to_end": (
        1.35,
        Assumption(
            "threshold evenly spaced below the last rung; the rung is named in the interview",
            context=(Citation(DWARKESH_2026, "90% of the end toend SWE tasks"),),
        ),
    ),
    "swe_tasks_100pct_end_to_end": (
        1.8,
        Assumption(
            "threshold evenly spaced below the last rung; the rung is named in the interview",
            context=(Citation(DWARKESH_2026, "100% of today's suite tasks are are are written by the models"),),
        ),
    ),
    "engineer_demand_minus_90pct": (
        2.25,
        Assumption(
            "threshold evenly spaced below the last rung; the rung is named in the interview",
            context=(Citation(DWARKESH_2026, "there's 90% less demand for SWES which I think will happen"),),
        ),
    ),
    "country_of_geniuses_in_a_data_center": (
        2.75,
        Citation(
            DWARKESH_2026,
            "I have a hunch this is more like a 50/50 thing that it's going to be more like 1 to two, maybe more "
            "like 1 to three",
            note="threshold set so that the bundled capability_driven scenario reaches it by 2029-01 in half its draws",
        ),
    ),
}

#: Largest milestone threshold accepted, capability tiers (1e6 tiers is 10^(1e6) x the starting compute).
MAX_MILESTONE_TIERS = 1.0e6

#: Short human label of each rung of :data:`MILESTONE_LADDER`.
MILESTONE_LABELS: dict[str, str] = {
    "code_90pct_written_by_models": "90% of code written by models",
    "code_100pct_written_by_models": "100% of code written by models",
    "swe_tasks_90pct_end_to_end": "90% of SWE tasks end to end",
    "swe_tasks_100pct_end_to_end": "100% of SWE tasks end to end",
    "engineer_demand_minus_90pct": "90% less demand for engineers",
    "country_of_geniuses_in_a_data_center": "country of geniuses in a data center",
}

#: Range of milestone thresholds worth exploring, capability tiers (the default ladder spans 0.4-2.35).
MILESTONE_TYPICAL_TIERS: tuple[float, float] = (0.0, 6.0)


def _milestone_defaults_type() -> type:
    """A section dataclass with one key per default rung, so ``frontiersim defaults`` lists each with its source."""
    fields = [
        (
            name,
            float,
            spec(
                threshold,
                "float",
                "Capability index at which the milestone is reached, tiers.",
                source,
                low=0.0,
                high=MAX_MILESTONE_TIERS,
                unit="tiers",
                label=MILESTONE_LABELS[name],
                typical=MILESTONE_TYPICAL_TIERS,
            ),
        )
        for name, (threshold, source) in MILESTONE_LADDER.items()
    ]
    cls = make_dataclass("MilestoneDefaults", fields, frozen=True)
    cls.__doc__ = (
        "``[capability.milestones]``: milestone name -> capability threshold, tiers. A table given in a "
        "scenario replaces the whole ladder; thresholds must increase from one rung to the next."
    )
    return cls


#: The default ladder as a section type (documentation only; see :data:`MILESTONE_LADDER`).
MilestoneDefaults = _milestone_defaults_type()

#: A milestone ladder: (name, threshold in tiers) pairs in increasing order of threshold.
Milestones = tuple[tuple[str, float], ...]

#: The default ladder.
DEFAULT_MILESTONE_LADDER: Milestones = tuple((name, threshold) for name, (threshold, _) in MILESTONE_LADDER.items())


def _default_milestones() -> Milestones:
    return DEFAULT_MILESTONE_LADDER


def parse_milestones(value: Any, path: str) -> tuple[Milestones | None, list[Problem]]:
    """Validate a ``[capability.milestones]`` table: names -> increasing thresholds in tiers.

    Parameters
    ----------
    value : Any
        The table as read from TOML.
    path : str
        Its dotted path, ``"capability.milestones"``.

    Returns
    -------
    milestones : tuple of (str, float) or None
        The ladder in file order, or None if there were problems.
    problems : list of Problem
        One per bad entry: a threshold that is not a finite number in
        ``[0, 1e6]``, or that does not exceed the previous valid rung.
    """
    if not isinstance(value, Mapping):
        return None, [bad_value(path, value, "a table of milestone name = threshold in capability tiers")]
    problems: list[Problem] = []
    ladder: list[tuple[str, float]] = []
    previous: tuple[str, float] | None = None
    for name, threshold in value.items():
        key = f"{path}.{name}"
        numeric = isinstance(threshold, int | float) and not isinstance(threshold, bool)
        if not numeric or not math.isfinite(threshold) or not 0.0 <= threshold <= MAX_MILESTONE_TIERS:
            expected = f"a number in [0, {MAX_MILESTONE_TIERS:g}]: the capability index (tiers) of the milestone"
            problems.append(bad_value(key, threshold, expected))
            continue
        if previous is not None and threshold <= previous[1]:
            expected = (
                f"a number > {previous[1]:g}, the threshold of the rung before it ({previous[0]}): "
                "the ladder must increase"
            )
            problems.append(bad_value(key, threshold, expected))
            continue
        previous = (str(name), float(threshold))
        ladder.append(previous)
    if problems:
        return None, problems
    return tuple(ladder), []


@dataclass(frozen=True)
class SegmentSpec:
    """A customer segment's share of addressable value, diffusion, noise and margin (base of the segment sections)."""

    value_share: float
    innovation_per_year: Distribution
    imitation_per_year: Distribution
    volatility_per_sqrt_year: Distribution
    gross_margin: Distribution


#: Why the Bass coefficients sit well above the classic averages: the published averages and the interview.
_BASS_CONTEXT = (
    Citation(SULTAN_1990, note="average Bass coefficients p ~0.03, q ~0.38 a year"),
    Citation(DWARKESH_2026, "not instant not slow much faster than any previous technology but it has its limits"),
)
_BASS_NOTE = "well above the classic Bass averages, since AI diffuses faster than any previous technology"


@dataclass(frozen=True)
class EnterpriseSegmentSpec(SegmentSpec):
    """``[capability.segments.enterprise]``: slower to adopt, steadier, better margins (Davos, 2026-01)."""

    value_share: float = spec(
        0.7,
        "float",
        "Share of addressable value that belongs to the segment (the shares of all segments add up to 1).",
        Assumption(
            "most revenue comes from businesses and developers, who adopt first; no public split of revenue",
            context=(
                Citation(DAVOS_2026, "Anthropic has focused, I think, first and foremost on enterprises, developers."),
            ),
        ),
        low=0.0,
        high=1.0,
        unit="1",
        label="enterprise value share",
        typical=(0.0, 1.0),
    )
    innovation_per_year: Distribution = spec(
        0.05,
        "dist",
        "Bass innovation coefficient p: adoption independent of other adopters, 1/year.",
        Assumption(
            "a slow start from legal, security and compliance review; " + _BASS_NOTE,
            context=(
                Citation(DWARKESH_2026, "you have to go through legal, you have to provision it for everyone"),
                *_BASS_CONTEXT,
            ),
        ),
        low=0.0,
        model_range=BASS_RANGE,
        unit="1/year",
        label="enterprise innovation (Bass p)",
        typical=(0.0, 1.0),
    )
    imitation_per_year: Distribution = spec(
        1.0,
        "dist",
        "Bass imitation coefficient q: adoption driven by other adopters, 1/year.",
        Assumption(_BASS_NOTE, context=_BASS_CONTEXT),
        low=0.0,
        model_range=BASS_RANGE,
        unit="1/year",
        label="enterprise imitation (Bass q)",
        typical=(0.0, 5.0),
    )
    volatility_per_sqrt_year: Distribution = spec(
        0.2,
        "dist",
        "Volatility of the segment's log demand, per square-root year (monthly shocks sd = value / sqrt(12)).",
        Assumption(
            "enterprise demand is the more predictable; no public figure for its noise",
            context=(Citation(DAVOS_2026, "enterprise purchasing enterprise predictions are predictable"),),
        ),
        low=0.0,
        high=5.0,
        unit="1/sqrt(year)",
        label="enterprise demand volatility",
        typical=(0.0, 1.5),
    )
    gross_margin: Distribution = spec(
        0.7,
        "dist",
        "Gross margin on the segment's revenue: inference cost = revenue x (1 - margin).",
        Assumption(
            "enterprise carries the better margins; with consumer 0.4 the value-share-weighted margin is 0.61, "
            "near the reported company-wide margin",
            context=(
                Citation(DAVOS_2026, "enterprise tends to have better margins"),
                Citation(EPOCH_COMPUTE_SPEND, "Anthropic has a gross margin of around 60% as of July 2025"),
            ),
        ),
        low=0.0,
        high=1.0,
        unit="1",
        label="enterprise gross margin",
        typical=(0.3, 0.9),
    )


@dataclass(frozen=True)
class ConsumerSegmentSpec(SegmentSpec):
    """``[capability.segments.consumer]``: quicker to try, fickle, thinner margins (Davos, 2026-01)."""

    value_share: float = spec(
        0.3,
        "float",
        "Share of addressable value that belongs to the segment (the shares of all segments add up to 1).",
        Assumption("the rest of the value after enterprise"),
        low=0.0,
        high=1.0,
        unit="1",
        label="consumer value share",
        typical=(0.0, 1.0),
    )
    innovation_per_year: Distribution = spec(
        0.2,
        "dist",
        "Bass innovation coefficient p: adoption independent of other adopters, 1/year.",
        Assumption("consumers try new models at once; " + _BASS_NOTE, context=_BASS_CONTEXT),
        low=0.0,
        model_range=BASS_RANGE,
        unit="1/year",
        label="consumer innovation (Bass p)",
        typical=(0.0, 1.0),
    )
    imitation_per_year: Distribution = spec(
        1.5,
        "dist",
        "Bass imitation coefficient q: adoption driven by other adopters, 1/year.",
        Assumption(_BASS_NOTE, context=_BASS_CONTEXT),
        low=0.0,
        model_range=BASS_RANGE,
        unit="1/year",
        label="consumer imitation (Bass q)",
        typical=(0.0, 5.0),
    )
    volatility_per_sqrt_year: Distribution = spec(
        0.6,
        "dist",
        "Volatility of the segment's log demand, per square-root year (monthly shocks sd = value / sqrt(12)).",
        Assumption(
            "consumer demand is fickle, three times the enterprise noise; no public figure",
            context=(Citation(DAVOS_2026, "Consumers, very fickle"),),
        ),
        low=0.0,
        high=5.0,
        unit="1/sqrt(year)",
        label="consumer demand volatility",
        typical=(0.0, 1.5),
    )
    gross_margin: Distribution = spec(
        0.4,
        "dist",
        "Gross margin on the segment's revenue: inference cost = revenue x (1 - margin).",
        Assumption(
            "consumer margins thinner than enterprise; no public figure for the segment",
            context=(Citation(DAVOS_2026, "enterprise tends to have better margins"),),
        ),
        low=0.0,
        high=1.0,
        unit="1",
        label="consumer gross margin",
        typical=(0.3, 0.9),
    )


@dataclass(frozen=True)
class SegmentsSpec:
    """``[capability.segments]``: the enterprise and consumer segments."""

    enterprise: EnterpriseSegmentSpec = field(
        default_factory=EnterpriseSegmentSpec,
        metadata=table_metadata("Enterprise segment.", section_type=EnterpriseSegmentSpec),
    )
    consumer: ConsumerSegmentSpec = field(
        default_factory=ConsumerSegmentSpec,
        metadata=table_metadata("Consumer segment.", section_type=ConsumerSegmentSpec),
    )

    def items(self) -> tuple[tuple[str, SegmentSpec], ...]:
        """(name, segment) pairs in order."""
        return (("enterprise", self.enterprise), ("consumer", self.consumer))


@dataclass(frozen=True)
class CapabilitySpec:
    """``[capability]``: demand driven by the lab's own training compute (``demand.kind = "capability"``).

    Training compute raises a capability index log-linearly in effective
    compute (physical compute times algorithmic efficiency); capability
    multiplies the value the models could address, and the lab captures a
    share of it that depends on its lead over rival labs at the industry
    frontier; deployed demand follows by Bass diffusion in enterprise and
    consumer segments, each with its own noise and margin. Demand starts at
    ``demand.initial_usd_per_year``. See
    :class:`frontiersim.models.capability.CapabilityDemand`.
    """

    initial_training_flop: Distribution = spec(
        "2e26 to 1e27",
        "dist",
        "Physical training compute behind the frontier model at the start, FLOP.",
        Citation(
            EPOCH_NOTABLE_MODELS,
            note="largest disclosed 2025 training runs ~5×10^26 FLOP; the range for undisclosed frontier runs is "
            "an assumption",
        ),
        low=0.0,
        low_open=True,
        model_range=REFERENCE_FLOP_RANGE,
        unit="FLOP",
        label="starting training compute",
        typical=(1.0e25, 1.0e28),
    )
    flop_per_gw_month: Distribution = spec(
        "6e25 to 3e26",
        "dist",
        "Frontier-model training compute one GW of training capacity adds in a month, FLOP/(GW month).",
        Sources(
            (
                Citation(
                    EPOCH_ML_HARDWARE,
                    note="~9.3×10^20 FLOP/s per GW for 2024-2025 accelerators: ~10^27 FLOP per GW-month at ~40%",
                ),
                Citation(EPOCH_COMPUTE_SPEND, note="~10% of OpenAI's 2024 R&D compute went to final training runs"),
                Citation(DWARKESH_2026, "we've had a 10x a year increase every year"),
            ),
            note="~13% of a GW-month (median 1.3×10^26) in the frontier run, the median set so that "
            "capability_driven's median December-2026 demand run-rate grows ~10x a year",
        ),
        low=0.0,
        model_range=FLOP_RANGE,
        unit="FLOP/(GW month)",
        label="training compute per GW-month",
        typical=(1.0e25, 7.0e26),
    )
    efficiency_doubling_months: Distribution = spec(
        "5 to 14",
        "dist",
        "Months for algorithmic progress to halve the compute needed, months.",
        Citation(HO_2024, note="compute to reach a fixed performance halves every ~8 months, 95% CI ~5-14"),
        low=0.0,
        low_open=True,
        model_range=(1.0, 1.0e6),
        unit="months",
        label="algorithmic halving time",
        typical=(2.0, 36.0),
    )
    slope_per_decade: Distribution = spec(
        1.0,
        "dist",
        "Capability tiers gained per 10x of effective compute.",
        Citation(
            CHEEKY_PINT_2025,
            "I spend 10 times more on the model. And, you know, the model goes from being, you know, a smart "
            "undergrad to a smart PhD student",
            note="one tier per 10x of training compute",
        ),
        low=0.0,
        model_range=(0.0, 20.0),
        unit="tiers/decade",
        label="tiers per 10x compute",
        typical=(0.0, 2.0),
    )
    value_multiple_per_tier: Distribution = spec(
        "5 to 20",
        "dist",
        "Multiple of addressable value per capability tier.",
        Citation(
            CHEEKY_PINT_2025,
            "Often they end up saying, you know, that's worth about 10x.",
            note="10x per tier; the 5-20 spread around it is an assumption",
        ),
        low=0.0,
        low_open=True,
        model_range=(1.0e-3, MULTIPLE_RANGE[1]),
        unit="x",
        label="value multiple per tier",
        typical=(1.5, 40.0),
    )
    initial_overhang: Distribution = spec(
        10.0,
        "dist",
        "Addressable value over deployed value at the start.",
        Citation(
            DAVOS_2026,
            "what the technology is capable of today is probably ten times what the enterprise of the world are "
            "able to are able to deploy",
        ),
        low=1.0,
        model_range=(1.0, 1.0e6),
        unit="x",
        label="capability overhang",
        typical=(1.0, 30.0),
    )
    frontier_compute_growth_per_year: Distribution = spec(
        {"dist": "lognormal", "p5": 4.64, "p95": 5.08},
        "dist",
        "Yearly multiplier of the rival labs' frontier training compute (level with the lab's at the start).",
        Citation(
            EPOCH_NOTABLE_MODELS,
            note="compute of the top-10 models at release, 2010-2025: 4.86x a year, 90% CI 4.64-5.08 "
            "(frontiersim calibrate)",
        ),
        low=0.0,
        low_open=True,
        model_range=(0.0, 1.0e4),  # faster growth overflows within a 50-year horizon
        unit="x/year",
        label="rivals' compute growth",
        typical=(1.0, 10.0),
    )
    rival_labs: int = spec(
        2,
        "int",
        "Rival labs at the industry frontier the lab shares its market with (0: no competition).",
        Sources(
            (
                Citation(DWARKESH_2026, "I think I think that's the same for AI. Three maybe four."),
                Citation(CHEEKY_PINT_2025, "there's probably somewhere between three and six players"),
            ),
            note="three frontier players in all: the lab and two rivals",
        ),
        low=0,
        high=100,
        unit="labs",
        label="rival labs",
        typical=(0, 6),
    )
    segments: SegmentsSpec = field(
        default_factory=SegmentsSpec,
        metadata=table_metadata("Customer segments (enterprise, consumer).", section_type=SegmentsSpec),
    )
    milestones: Milestones = field(
        default_factory=_default_milestones,
        metadata=table_metadata(
            "Milestone name -> capability threshold in tiers (replaces the default ladder when given).",
            parse=parse_milestones,
        ),
    )

    @property
    def milestone_thresholds(self) -> dict[str, float]:
        """Milestone name -> threshold, tiers, in ladder order."""
        return dict(self.milestones)


@dataclass(frozen=True)
class ContractSpec:
    """One contract already signed at the start: capacity, when it comes online, its term and price.

    Attributes
    ----------
    name : str
        What the contract is (a site or a deal).
    online : str
        First month the capacity is available, ``YYYY-MM``; it may be before
        the scenario's start (capacity already running).
    gw : float
        Capacity, GW.
    term_months : int
        Months the capacity stays under contract and is paid for, from ``online``.
    cost_usd_per_gw_year : float
        Price, USD per GW-year; 0 means the lab's ``compute.cost_usd_per_gw_year``.
    source : str
        Public source of the figures.
    """

    name: str
    online: str
    gw: float
    term_months: int
    cost_usd_per_gw_year: float = 0.0
    source: str = ""

    def online_month(self, start: str) -> int:
        """Month index, counted from ``start`` (``YYYY-MM``), at which the capacity comes online."""
        return _month_index(self.online) - _month_index(start)


def _month_index(month: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` string."""
    year, number = month.split("-")
    return 12 * int(year) + int(number) - 1


#: Longest term of a contract in a book, months (50 years).
MAX_CONTRACT_TERM_MONTHS = MAX_MONTHS

#: Largest capacity of one contract, GW.
MAX_CONTRACT_GW = GW_RANGE[1]

_CONTRACT_KEYS = ("name", "online", "gw", "term_months", "cost_usd_per_gw_year", "source")


def parse_contracts(value: Any, path: str) -> tuple[tuple[ContractSpec, ...] | None, list[Problem]]:
    """Validate ``[[compute.contracts]]``: the contracts signed before the start.

    Parameters
    ----------
    value : Any
        An array of tables as read from TOML (``[[compute.contracts]]`` or
        ``contracts = [...]``).
    path : str
        Its dotted path, ``"compute.contracts"``.

    Returns
    -------
    contracts : tuple of ContractSpec or None
        The book, in file order, or None if there were problems.
    problems : list of Problem
        One per bad entry or key.
    """
    if not isinstance(value, list | tuple):
        return None, [bad_value(path, value, "an array of tables ([[compute.contracts]])")]
    problems: list[Problem] = []
    book: list[ContractSpec] = []
    for index, entry in enumerate(value):
        contract, found = _parse_contract(entry, f"{path}[{index}]")
        problems += found
        if contract is not None:
            book.append(contract)
    if problems:
        return None, problems
    return tuple(book), []


def _parse_contract(entry: Any, where: str) -> tuple[ContractSpec | None, list[Problem]]:
    """Validate one contract of the book at ``where``."""
    if not isinstance(entry, Mapping):
        return None, [bad_value(where, entry, "a table with name, online, gw, term_months")]
    found: list[Problem] = [
        bad_value(f"{where}.{key}", entry[key], f"a contract key ({', '.join(_CONTRACT_KEYS)})")
        for key in entry
        if key not in _CONTRACT_KEYS
    ]
    found += [
        Problem(f"{where}.{key}", "missing; every contract needs name, online, gw, term_months")
        for key in ("name", "online", "gw", "term_months")
        if key not in entry
    ]
    name, online, source = entry.get("name", ""), entry.get("online", "2026-01"), entry.get("source", "")
    gw, term, cost = entry.get("gw", 1.0), entry.get("term_months", 1), entry.get("cost_usd_per_gw_year", 0.0)
    checks = (
        ("name", name, isinstance(name, str) and not _has_control(name), "a string without control characters"),
        ("source", source, isinstance(source, str) and not _has_control(source), "a string without control characters"),
        (
            "online",
            online,
            isinstance(online, str) and bool(MONTH_PATTERN.match(online)),
            "a month written YYYY-MM, e.g. '2026-07'",
        ),
        ("gw", gw, _number(gw) and 0.0 < gw <= MAX_CONTRACT_GW, f"a number in (0, {MAX_CONTRACT_GW:g}] GW"),
        (
            "term_months",
            term,
            isinstance(term, int) and not isinstance(term, bool) and 1 <= term <= MAX_CONTRACT_TERM_MONTHS,
            f"an integer in [1, {MAX_CONTRACT_TERM_MONTHS}]",
        ),
        (
            "cost_usd_per_gw_year",
            cost,
            _number(cost) and (cost == 0.0 or COST_RANGE[0] <= cost <= COST_RANGE[1]),
            f"0 (the lab's compute.cost_usd_per_gw_year) or a number in the model's range "
            f"[{COST_RANGE[0]:g}, {COST_RANGE[1]:g}] USD per GW-year",
        ),
    )
    found += [
        bad_value(f"{where}.{key}", got, expected) for key, got, ok, expected in checks if key in entry and not ok
    ]
    if found:
        return None, found
    return ContractSpec(name, online, float(gw), int(term), float(cost), source), []


def _has_control(text: str) -> bool:
    """Whether ``text`` has a control character (Unicode category Cc)."""
    return any(unicodedata.category(c) == "Cc" for c in text)


def _number(value: Any) -> bool:
    """A finite int or float that is not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


#: A month written ``YYYY-MM``.
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ComputeSpec:
    """``[compute]``: capacity already owned, contract terms and prices."""

    initial_capacity_gw: Distribution = spec(
        2.0,
        "dist",
        "Capacity under contract in the first month, GW.",
        Assumption(
            "a lab's share of the industry's 2026 build-out; no public figure for one lab's capacity",
            context=(
                Citation(DWARKESH_2026, "call it 10 15 gawatts next year I you know it goes up by roughly 3x a year"),
            ),
        ),
        low=0.0,
        model_range=GW_RANGE,
        unit="GW",
        label="starting capacity",
        typical=(0.0, 10.0),
    )
    initial_contract_months_remaining: int = spec(
        36,
        "int",
        "Months the initial capacity stays under contract.",
        Assumption("no public term for the contracts in force; about half of a new five-year commitment"),
        low=0,
        high=MAX_MONTHS,
        unit="months",
        label="initial contract remaining",
        typical=(0, 72),
    )
    cost_usd_per_gw_year: Distribution = spec(
        "10e9 to 15e9",
        "dist",
        "Price of one GW of compute for one year, USD/GW/year (also the initial fleet's price).",
        Citation(DWARKESH_2026, "each gigawatt costs maybe 10 billion you know order 10 to 15 billion a year"),
        low=0.0,
        low_open=True,
        model_range=COST_RANGE,
        unit="USD/GW/year",
        label="compute price",
        typical=(2.0e9, 4.0e10),
    )
    price_decline_per_year: Distribution = spec(
        0.0,
        "dist",
        "Fractional fall per year in the price of newly signed capacity, 1/year.",
        Assumption(
            "the price per GW held flat; hardware progress would show as more FLOP per GW, not a lower price",
            context=(
                Citation(
                    EPOCH_ML_HARDWARE,
                    note="tensor FP16/BF16 FLOP/s per watt of TDP grows ~1.2x a year (least squares, 62 chips released "
                    "since 2014)",
                ),
            ),
        ),
        low=0.0,
        high=1.0,
        high_open=True,
        unit="1/year",
        label="compute price decline",
        typical=(0.0, 0.5),
    )
    lead_time_months: int = spec(
        18,
        "int",
        "Months from commitment to available capacity.",
        Citation(
            DWARKESH_2026,
            "it takes a year or two to actually build out the data centers to reserve the data centers",
            note="18 months, the middle of a year or two",
        ),
        low=0,
        high=MAX_MONTHS,
        unit="months",
        label="lead time",
        typical=(0, 48),
    )
    contract_term_months: int = spec(
        60,
        "int",
        "Months each commitment lasts and is paid for.",
        Citation(DWARKESH_2026, "it would be a trillion dollar a year for for five years"),
        low=1,
        high=MAX_MONTHS,
        unit="months",
        label="contract term",
        typical=(12, 120),
    )
    decision_interval_months: int = spec(
        12,
        "int",
        "Months between procurement decisions.",
        Citation(
            DWARKESH_2026,
            "at the beginning of the year. We have to decide how much compute to buy.",
            note="one decision a year, as in the interview's example",
        ),
        low=1,
        high=MAX_MONTHS,
        unit="months",
        label="decision interval",
        typical=(1, 24),
    )
    first_decision_month: int = spec(
        0,
        "int",
        "Month index of the first procurement decision.",
        Setting("the first decision at the start of the simulation"),
        low=0,
        high=MAX_MONTHS,
        unit="months",
        label="first decision month",
        typical=(0, 24),
    )
    decision_months: tuple[int, ...] = spec(
        (),
        "ints",
        "Explicit month indices of procurement decisions (overrides the interval when given).",
        Setting("empty: decisions follow the interval"),
        low=0,
        high=MAX_MONTHS,
        unit="months",
        label="decision months",
    )
    planning_window_months: int = spec(
        -1,
        "int",
        "Months after arrival a decision must cover: a policy sees the capacity still under contract at the "
        "end of this window, so it replaces contracts that expire within it (-1: until the next decision's "
        "capacity arrives, the decision interval; 0: only the arrival month).",
        Assumption("a buyer renews what lapses before its next purchase can arrive"),
        low=-1,
        high=600,
        unit="months",
        label="planning window",
        typical=(0, 24),
    )
    contracts: tuple[ContractSpec, ...] = field(
        default=(),
        metadata=table_metadata(
            "Contracts signed before the start ([[compute.contracts]]: name, online, gw, term_months, "
            "cost_usd_per_gw_year, source); they add to initial_capacity_gw.",
            parse=parse_contracts,
        ),
    )
    training_flop_per_gw_month: Distribution = spec(
        "7e26 to 1.2e27",
        "dist",
        "Training compute one GW delivers in a month at the start, FLOP/(GW month): how GW of training become "
        "model size.",
        Citation(
            EPOCH_ML_HARDWARE,
            note="~9.3×10^20 FLOP/s (16-bit) per GW of facility power for 2024-2025 accelerators at ~1.4 kW all-in per "
            "chip, at ~30-50% utilisation over a 30.4-day month (frontiersim.calibrate.hardware)",
        ),
        low=0.0,
        low_open=True,
        model_range=FLOP_RANGE,
        unit="FLOP/(GW month)",
        label="FLOP per GW-month",
        typical=(1.0e25, 1.0e28),
    )
    flop_per_gw_growth_per_year: Distribution = spec(
        1.2,
        "dist",
        "Yearly multiplier of the FLOP a GW delivers (hardware energy efficiency), for capacity of every age.",
        Citation(
            EPOCH_ML_HARDWARE,
            note="16-bit FLOP/s per watt of 62 accelerators, 2017-2026: 1.20x a year, 95% CI 1.15-1.26 "
            "(frontiersim.calibrate.hardware)",
        ),
        low=1.0,
        high=10.0,
        unit="x/year",
        label="hardware FLOP per GW growth",
        typical=(1.0, 2.0),
    )


@dataclass(frozen=True)
class OperationsSpec:
    """``[operations]``: margins, the training floor and other costs."""

    gross_margin: Distribution = spec(
        {"dist": "triangular", "low": 0.5, "mode": 0.6, "high": 0.75},
        "dist",
        "Inference gross margin: inference compute cost = revenue x (1 - margin); growth and path demand "
        "(with capability demand it is the revenue-weighted margin of the segments).",
        Sources(
            (
                Citation(DWARKESH_2026, "the inference has some gross margin that's like more than 50%"),
                Citation(DWARKESH_2026, "that would be 75% you know gross gross gross margins"),
                Citation(EPOCH_COMPUTE_SPEND, "Anthropic has a gross margin of around 60% as of July 2025"),
            ),
            note="from above 50% to 75%, most likely 60%",
        ),
        low=0.0,
        high=1.0,
        unit="1",
        label="gross margin",
        typical=(0.3, 0.9),
    )
    allocation_rule: str = spec(
        "target_share",
        "str",
        "How capacity is split between inference and training each month: 'target_share' plans "
        "target_training_share for training, lets demand squeeze it down to min_training_share and gives "
        "training whatever demand leaves; 'inference_first' serves demand up to max_inference_share of "
        "capacity; 'residual' serves demand up to all but min_training_share.",
        Setting("the lab's rule for splitting compute; the default follows the interviews' planned split"),
        choices=("target_share", "inference_first", "residual"),
        unit="",
        label="allocation rule",
    )
    target_training_share: Distribution = spec(
        0.5,
        "dist",
        "Share of capacity planned for training under the 'target_share' rule.",
        Citation(
            DWARKESH_2026, "Let's say half of your compute is for training and half of your compute is for inference."
        ),
        low=0.0,
        high=1.0,
        high_open=True,
        unit="1",
        label="planned training share",
        typical=(0.1, 0.9),
    )
    max_inference_share: Distribution = spec(
        0.75,
        "dist",
        "Largest share of capacity inference may use under the 'inference_first' rule.",
        Assumption(
            "a cap that keeps a quarter of capacity for training",
            context=(
                Citation(DWARKESH_2026, "you spend of order one fraction of the business, right? Like not 5% not 95%"),
            ),
        ),
        low=0.0,
        high=1.0,
        low_open=True,
        unit="1",
        label="inference cap",
        typical=(0.1, 1.0),
    )
    min_training_share: Distribution = spec(
        0.3,
        "dist",
        "Share of capacity always kept for training, even when demand goes unserved.",
        Sources(
            (
                Citation(DWARKESH_2026, "you spend of order one fraction of the business, right? Like not 5% not 95%"),
                Citation(DWARKESH_2026, "if you uh get more demand than you thought then your research gets squeezed"),
            ),
            note="demand may squeeze research, but the share stays of order one: a floor of 30%",
        ),
        low=0.0,
        high=1.0,
        high_open=True,
        unit="1",
        label="training floor",
        typical=(0.0, 0.5),
    )
    other_opex_usd_per_year: Distribution = spec(
        4.0e9,
        "dist",
        "Non-compute operating costs (staff, offices), USD/year.",
        Assumption(
            "staff and offices of a lab of ~2,500 people at ~$1.6M a head a year; no public cost figure",
            context=(Citation(DWARKESH_2026, "Like it's 2500 people."),),
        ),
        low=0.0,
        model_range=USD_RANGE,
        unit="USD/year",
        label="other operating costs",
        typical=(0.0, 2.0e10),
    )
    opex_share_of_revenue: Distribution = spec(
        0.1,
        "dist",
        "Further operating costs as a share of served revenue.",
        Assumption("sales, support and other costs that grow with revenue; no public figure"),
        low=0.0,
        high=1.0,
        unit="1",
        label="opex share of revenue",
        typical=(0.0, 0.3),
    )


@dataclass(frozen=True)
class ModelsSpec:
    """``[models]``: the release cadence of model cohorts."""

    release_interval_months: int = spec(
        3,
        "int",
        "Months between frontier model releases.",
        Citation(KAMATH_2026, "We release a new model every two or three months.", note="every three months"),
        low=1,
        high=MAX_MONTHS,
        unit="months",
        label="release interval",
        typical=(3, 24),
    )
    first_release_month: int = spec(
        3,
        "int",
        "Month index of the first release within the horizon.",
        Setting("the first release of the horizon, one release interval after the start by default"),
        low=0,
        high=MAX_MONTHS,
        unit="months",
        label="first release month",
        typical=(0, 24),
    )


@dataclass(frozen=True)
class FinanceSpec:
    """``[finance]``: cash, fundraising and ruin."""

    starting_cash_usd: Distribution = spec(
        3.0e10,
        "dist",
        "Cash in the first month, USD.",
        Assumption(
            "cash after the 2025 funding rounds; no public cash balance",
            context=(Citation(KAMATH_2026, "You've raised 35 billion.", note="the interviewer's words"),),
        ),
        low=0.0,
        model_range=USD_RANGE,
        unit="USD",
        label="starting cash",
        typical=(0.0, 2.0e11),
    )
    fundraising_enabled: bool = spec(
        True,
        "bool",
        "Whether the lab can raise money.",
        Setting("a switch for the case of a lab that cannot raise"),
        unit="",
        label="fundraising enabled",
    )
    raise_when_runway_below_months: float = spec(
        12.0,
        "float",
        "Try to raise when cash covers fewer months of the current burn.",
        Assumption("raise a year before the cash runs out"),
        low=0.0,
        high=MAX_MONTHS,
        unit="months",
        label="runway that triggers a raise",
        typical=(0.0, 24.0),
    )
    raise_revenue_multiple: Distribution = spec(
        "1 to 4",
        "dist",
        "Size of a round as a multiple of annualised served revenue.",
        Citation(
            KAMATH_2026,
            "You've raised 35 billion. You do 15 billion of revenue",
            note="the interviewer's figures: ~2.3x revenue raised, inside 1-4x",
        ),
        low=0.0,
        model_range=MULTIPLE_RANGE,
        unit="x",
        label="round size (x revenue)",
        typical=(0.0, 5.0),
    )
    raise_max_usd: Distribution = spec(
        1.0e11,
        "dist",
        "Largest single round, USD.",
        Assumption("about three times the largest raise named in the interviews"),
        low=0.0,
        model_range=USD_RANGE,
        unit="USD",
        label="largest round",
        typical=(1.0e10, 3.0e11),
    )
    raise_min_interval_months: int = spec(
        6,
        "int",
        "Months between two rounds.",
        Assumption("two rounds a year at most"),
        low=1,
        high=MAX_MONTHS,
        unit="months",
        label="months between rounds",
        typical=(1, 24),
    )
    raise_reference_growth_per_year: float = spec(
        10.0,
        "float",
        "Yearly revenue growth at which a round closes with raise_success_probability and is "
        "raise_revenue_multiple times revenue; slower growth makes rounds smaller and rarer.",
        Citation(DWARKESH_2026, "we've had a 10x a year increase every year", note="the growth investors have priced"),
        low=1.0,
        low_open=True,
        high=1000.0,
        unit="x/year",
        label="reference growth for rounds",
        typical=(2.0, 30.0),
    )
    raise_growth_elasticity: float = spec(
        0.5,
        "float",
        "How strongly a round depends on revenue growth g (0: not at all): its size scales by "
        "(g / reference)^e, and for e > 0 a lab whose revenue demand did not grow over the last year cannot "
        "raise (g: the growth of the demand for the lab's models over the last 12 months).",
        Assumption(
            "investors pay for revenue growth, less than one for one (valuation multiples rise more slowly "
            "than growth)",
            context=(
                Citation(
                    KAMATH_2026,
                    "380 billion today. You've raised 35 billion. You do 15 billion of revenue, but going up really, "
                    "really fast.",
                    note="the interviewer's figures",
                ),
            ),
        ),
        low=0.0,
        high=5.0,
        unit="1",
        label="round growth elasticity",
        typical=(0.0, 2.0),
    )
    raise_success_probability: Distribution = spec(
        0.8,
        "dist",
        "Probability that an attempted round closes.",
        Assumption("most rounds of a fast-growing lab close; no public figure"),
        low=0.0,
        high=1.0,
        unit="1",
        label="round success probability",
        typical=(0.0, 1.0),
    )


#: The training share of the policies: the interview's 50/50 toy and "of order one".
_TRAINING_SHARE_SOURCE = Sources(
    (
        Citation(
            DWARKESH_2026, "Let's say half of your compute is for training and half of your compute is for inference."
        ),
        Citation(DWARKESH_2026, "you spend of order one fraction of the business, right? Like not 5% not 95%."),
    ),
    note="half the capacity planned for training",
)


@dataclass(frozen=True)
class GrowthHedgePolicySpec:
    """``[policy] kind = "growth_hedge"``: assume growth continues, buy the forecast times a hedge."""

    assumed_growth_per_year: float = spec(
        3.0,
        "float",
        "Yearly growth the buyer assumes when forecasting demand at arrival.",
        Citation(
            DWARKESH_2026,
            "you're supporting hundreds of billions not trillions",
            note="3x a year from ~$10B reaches hundreds of billions, not trillions, by 2029",
        ),
        low=0.0,
        low_open=True,
        model_range=GROWTH_RANGE,
        unit="x/year",
        label="assumed growth",
        typical=(1.0, 20.0),
    )
    hedge_factor: float = spec(
        0.6,
        "float",
        "Multiplier on the forecast requirement.",
        Assumption(
            "buy 60% of the forecast requirement: in the default scenario about $0.7T a year of compute by 2030 "
            "in the median draw, with P(ruin) about 9% within the horizon",
            context=(Citation(DWARKESH_2026, "you're supporting hundreds of billions not trillions"),),
        ),
        low=0.0,
        model_range=MULTIPLE_RANGE,
        unit="x",
        label="hedge factor",
        typical=(0.0, 2.0),
    )
    target_training_share: float = spec(
        0.5,
        "float",
        "Share of capacity planned for training when sizing a purchase.",
        _TRAINING_SHARE_SOURCE,
        low=0.0,
        high=1.0,
        high_open=True,
        unit="1",
        label="target training share",
        typical=(0.0, 0.9),
    )


@dataclass(frozen=True)
class FixedSchedulePolicySpec:
    """``[policy] kind = "fixed_schedule"``: buy a fixed GW amount at each decision."""

    commitments_gw: tuple[float, ...] = spec(
        (),
        "floats",
        "GW committed at each decision, in order (missing entries mean 0).",
        Setting("the schedule a user tries; empty buys nothing"),
        low=0.0,
        model_range=GW_RANGE,
        unit="GW",
        label="commitments",
        typical=(0.0, 10.0),
    )


#: What a quantile policy needs when capability drives demand (the end of a validation message).
CAPABILITY_BELIEF_NEEDED = (
    "the buyer's belief about yearly demand growth, belief_growth_p5 and belief_growth_p95 (numbers > 0), "
    "when demand.kind = 'capability': without it the belief would come from demand.growth_per_year, which "
    "capability demand does not use (for example 5 and 15, around the ~10x a year of the revenue so far)"
)


@dataclass(frozen=True)
class QuantilePolicySpec:
    """``[policy] kind = "quantile"``: buy for the q-quantile of forecast demand."""

    quantile: float = spec(
        0.5,
        "float",
        "Quantile of forecast demand at arrival to buy for.",
        Setting("a decision of the quantile policy; the median by default"),
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        unit="1",
        label="demand quantile",
        typical=(0.05, 0.95),
    )
    target_training_share: float = spec(
        0.5,
        "float",
        "Share of capacity planned for training when sizing a purchase.",
        _TRAINING_SHARE_SOURCE,
        low=0.0,
        high=1.0,
        high_open=True,
        unit="1",
        label="target training share",
        typical=(0.0, 0.9),
    )
    belief_growth_p5: float = spec(
        0.0,
        "float",
        "Buyer's 5th percentile of yearly growth (0: use the scenario's demand growth; "
        "required when capability drives demand).",
        Setting("0 takes the belief from the scenario's demand growth"),
        low=0.0,
        model_range=GROWTH_RANGE,
        unit="x/year",
        label="believed growth, 5th percentile",
        typical=(0.5, 10.0),
    )
    belief_growth_p95: float = spec(
        0.0,
        "float",
        "Buyer's 95th percentile of yearly growth (0: use the scenario's demand growth).",
        Setting("0 takes the belief from the scenario's demand growth"),
        low=0.0,
        model_range=GROWTH_RANGE,
        unit="x/year",
        label="believed growth, 95th percentile",
        typical=(1.0, 30.0),
    )
    belief_volatility_per_sqrt_year: float = spec(
        -1.0,
        "float",
        "Buyer's view of demand volatility (-1: use the scenario's median volatility).",
        Setting("-1 takes the belief from the scenario's volatility"),
        low=-1.0,
        high=5.0,
        unit="1/sqrt(year)",
        label="believed demand volatility",
        typical=(0.0, 1.5),
    )


@dataclass(frozen=True)
class MarketSpec:
    """``[market]``: how the labs of a scenario share demand each month.

    With one lab (a scenario without ``[labs.*]`` tables) the lab gets all of
    demand whatever the rule.
    """

    share_rule: str = spec(
        "fixed",
        "str",
        "How demand is split between labs: 'fixed' (each lab's market_share) or 'capability' "
        "(market_share weighted by value_multiple_per_tier to the power of the lab's capability index; "
        "capability demand only).",
        Setting("which split rule to apply; with one lab it has no effect"),
        choices=("fixed", "capability"),
        unit="",
        label="market share rule",
    )


PolicySpec = GrowthHedgePolicySpec | FixedSchedulePolicySpec | QuantilePolicySpec

#: Policy kinds accepted in ``[policy] kind``.
POLICY_KINDS: dict[str, type] = {
    "growth_hedge": GrowthHedgePolicySpec,
    "fixed_schedule": FixedSchedulePolicySpec,
    "quantile": QuantilePolicySpec,
}


#: Sections a ``[labs.NAME]`` table may override, each with its own keys.
LAB_SECTIONS: tuple[str, ...] = ("compute", "operations", "finance", "policy")

#: Name of the one lab of a scenario that declares no ``[labs.*]`` tables.
DEFAULT_LAB_NAME = "lab"

#: Most labs a scenario may declare.
MAX_LABS = 8


@dataclass(frozen=True)
class LabOverrides:
    """``[labs.NAME]``: one lab, as the keys it sets beside the shared sections.

    Attributes
    ----------
    name : str
        The lab's name (a lowercase identifier).
    market_share : float
        Share of demand under ``[market] share_rule = "fixed"``, in (0, 1];
        0 means "an equal part of what the other labs leave".
    sections : tuple of (str, tuple of (str, Any))
        For each section of :data:`LAB_SECTIONS` the lab sets, the typed values
        of the keys it sets, in file order.
    policy : PolicySpec or None
        The lab's own ``[labs.NAME.policy]`` when it names a ``kind``; keys
        without a ``kind`` are in ``sections`` and override the shared policy.
    """

    name: str
    market_share: float = 0.0
    sections: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    policy: Any = None

    def keys(self, section: str) -> dict[str, Any]:
        """The keys the lab sets in ``section``, typed."""
        return dict(dict(self.sections).get(section, ()))

    @property
    def overridden_paths(self) -> frozenset[str]:
        """Dotted paths (``"compute.initial_capacity_gw"``) of every key the lab sets."""
        return frozenset(f"{section}.{key}" for section, keys in self.sections for key, _ in keys)


@dataclass(frozen=True)
class Lab:
    """One lab with every section resolved: the shared sections with the lab's own keys on top.

    Attributes
    ----------
    name : str
    index : int
        Position of the lab along the ``lab`` dimension of results.
    market_share : float
        Resolved share of demand under the fixed rule (the shares add up to 1).
    compute, operations, finance : section dataclasses
    policy : PolicySpec
    overridden_paths : frozenset of str
        Keys the lab sets itself; their distributions are sampled in the
        lab's own streams (``labs.NAME.<path>``). Every other uncertain key
        takes the shared draw, common to all labs.
    declared : bool
        False for the one implicit lab of a scenario without ``[labs.*]``
        tables; its random streams keep their shared names.
    """

    name: str
    index: int
    market_share: float
    compute: ComputeSpec
    operations: OperationsSpec
    finance: FinanceSpec
    policy: Any
    overridden_paths: frozenset[str]
    declared: bool

    def stream(self, name: str) -> str:
        """Name of the lab's own random stream ``name`` (the shared name for an implicit lab)."""
        return f"labs.{self.name}.{name}" if self.declared else name

    def parameter_stream(self, path: str) -> str:
        """Stream of the uncertain key ``path`` for this lab: its own if it sets the key, else the shared one."""
        return self.stream(path) if path in self.overridden_paths else path

    def decision_months(self, horizon_months: int) -> tuple[int, ...]:
        """Month indices at which this lab makes procurement decisions."""
        if self.compute.decision_months:
            return tuple(sorted(set(self.compute.decision_months)))
        return tuple(range(self.compute.first_decision_month, horizon_months, self.compute.decision_interval_months))


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

    ``correlations`` holds the ``[correlations]`` table: (key, key, Spearman
    rank correlation) for each pair of uncertain keys sampled jointly
    (:mod:`frontiersim.scenario.correlations`).
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
    market: MarketSpec = field(default_factory=MarketSpec)
    lab_overrides: tuple[LabOverrides, ...] = ()
    extensions: tuple[tuple[str, Any], ...] = ()
    correlations: tuple[tuple[str, str, float], ...] = ()
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

    def month_label(self, month: int) -> str:
        """The calendar month ``YYYY-MM`` of month index ``month`` (0 is the start).

        Examples
        --------
        >>> from frontiersim import bundled
        >>> bundled("default").month_label(13)
        '2027-02'
        """
        index = _month_index(self.meta.start) + month
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    def release_months(self) -> tuple[int, ...]:
        """Month indices of model releases within the horizon."""
        return tuple(range(self.models.first_release_month, self.horizon_months, self.models.release_interval_months))

    @property
    def labs(self) -> tuple[Lab, ...]:
        """Every lab, resolved against the shared sections (one implicit lab without ``[labs.*]``).

        A lab's key overrides the shared one; a lab's policy with a ``kind``
        replaces the shared policy, and policy keys without one override the
        shared policy's keys. Shares given as 0 split what the others leave
        equally.
        """
        if not self.lab_overrides:
            return (
                Lab(
                    DEFAULT_LAB_NAME,
                    0,
                    1.0,
                    self.compute,
                    self.operations,
                    self.finance,
                    self.policy,
                    frozenset(),
                    declared=False,
                ),
            )
        given = sum(lab.market_share for lab in self.lab_overrides)
        unset = sum(1 for lab in self.lab_overrides if lab.market_share <= 0)
        rest = max(1.0 - given, 0.0) / unset if unset else 0.0
        # Shares given add up to 1 within 1e-9 (validation); dividing by their total makes them add up to 1.
        total = given + rest * unset
        resolved = []
        for index, lab in enumerate(self.lab_overrides):
            policy = lab.policy if lab.policy is not None else self.policy
            policy_keys = lab.keys("policy")
            if policy_keys:
                policy = replace(policy, **policy_keys)
            resolved.append(
                Lab(
                    lab.name,
                    index,
                    (lab.market_share if lab.market_share > 0 else rest) / total,
                    replace(self.compute, **lab.keys("compute")),
                    replace(self.operations, **lab.keys("operations")),
                    replace(self.finance, **lab.keys("finance")),
                    policy,
                    lab.overridden_paths,
                    declared=True,
                )
            )
        return tuple(resolved)

    @property
    def joint_correlations(self) -> tuple[tuple[str, str, float], ...]:
        r"""Every rank correlation the draws are sampled with: ``[correlations]`` and the demand path's.

        The uncertain years of ``demand.path_usd_per_year`` are correlated as
        an AR(1) process in the copula's normals: years ``j`` and ``k`` have
        normal correlation :math:`\rho^{|j-k|}`, with :math:`\rho` the
        normal correlation of the rank correlation ``path_correlation``
        between consecutive years (see :mod:`frontiersim.scenario.correlations`).
        """
        r_s = self.demand.path_correlation
        years = [
            k for k, level in enumerate(self.demand.path_usd_per_year) if not isinstance(as_distribution(level), Fixed)
        ]
        if r_s == 0.0 or len(years) < 2:
            return self.correlations
        rho = float(normal_correlation(r_s))
        stream = "demand.path_usd_per_year"
        path_pairs = [
            (f"{stream}[{j}]", f"{stream}[{k}]", float(spearman_correlation(rho ** (k - j))))
            for a, j in enumerate(years)
            for k in years[a + 1 :]
        ]
        return (*self.correlations, *path_pairs)

    def section(self, name: str) -> Any:
        """A section by its TOML name: built-in (``"finance"``) or a component's own (``extensions``).

        Raises
        ------
        KeyError
            For a section the scenario does not have.
        """
        if name in SECTIONS:
            return getattr(self, SECTIONS[name][0])
        if name == "policy":
            return self.policy
        for extension, section in self.extensions:
            if extension == name:
                return section
        raise KeyError(f"the scenario has no section [{name}]")

    @property
    def lab_names(self) -> tuple[str, ...]:
        """Names of the labs, in order along the ``lab`` dimension."""
        return tuple(lab.name for lab in self.labs)


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
    "market": ("market", MarketSpec),
}


def section_types() -> dict[str, type]:
    """Every TOML section and policy kind with its dataclass, for documentation."""
    table: dict[str, Any] = {}
    for name, (_, cls) in SECTIONS.items():
        table[name] = cls
        if cls is CapabilitySpec:
            table["capability.segments.enterprise"] = EnterpriseSegmentSpec
            table["capability.segments.consumer"] = ConsumerSegmentSpec
            table["capability.milestones"] = MilestoneDefaults
    for kind, cls in POLICY_KINDS.items():
        table[f"policy (kind = {kind!r})"] = cls
    return table

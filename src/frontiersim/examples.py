"""The interviews' worked examples, computed by the model.

Each example loads a bundled scenario (and variants of it), runs the
simulator, and reports every figure the model computes beside the figure the
interview states. Nothing here is a hard-coded output: the ``stated`` side is
the interview's number or claim, the ``value`` side comes from
:func:`simulate`. :data:`EXAMPLE_SOURCES` cites each example's interview.

References
----------
Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential"
(2026-02-13): the 50/50 toy, the 1.4x model of a 70% training share, the
single model and the $1T bet.
Cheeky Pint with John Collison, "Anthropic CEO Dario Amodei on designing
AGI-pilled products, model economics, and 19th-century vitalism" (2025-08-06):
each model as a company.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from frontiersim.models.policies import GrowthHedgePolicy
from frontiersim.scenario.distributions import Fixed
from frontiersim.scenario.loader import bundled
from frontiersim.scenario.schema import Scenario
from frontiersim.scenario.sources import CHEEKY_PINT_2025, DWARKESH_2026, Citation
from frontiersim.simulate import simulate
from frontiersim.units import money

if TYPE_CHECKING:
    from frontiersim.results.result import SimulationResult

#: Figures stated in dollars are reproduced to within this many dollars.
DOLLAR_TOLERANCE_USD = 1.0


@dataclass(frozen=True)
class Figure:
    """One figure of a worked example.

    Attributes
    ----------
    label : str
        What the figure is.
    value : float
        What the model computes.
    stated : str
        What the interview states (a number or a claim).
    ok : bool
        Whether the computed value matches the statement.
    unit : str
        ``"USD"``, ``"share"``, ``"GW"``, ``"month"`` or ``""``.
    """

    label: str
    value: float
    stated: str
    ok: bool
    unit: str = "USD"


def _usd(label: str, value: float, stated_usd: float) -> Figure:
    """A dollar figure that must match the interview's to the dollar."""
    return Figure(label, value, money(stated_usd), abs(value - stated_usd) <= DOLLAR_TOLERANCE_USD)


def _claim(label: str, value: float, stated: str, ok: bool, unit: str = "USD") -> Figure:
    return Figure(label, value, stated, bool(ok), unit)


def _year(result: SimulationResult, variable: str, year_index: int) -> float:
    return float(result.lab_dataset()[variable].isel(draw=0, year=year_index))


def _with_demand_path(scenario: Scenario, path_usd_per_year: list[float]) -> Scenario:
    demand = dataclasses.replace(scenario.demand, path_usd_per_year=tuple(Fixed(level) for level in path_usd_per_year))
    return dataclasses.replace(scenario, demand=demand)


def toy_50_50() -> list[Figure]:
    """The 50/50 toy: $100B of compute, half inference at $150B revenue, $50B profit.

    Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential"
    (2026-02-13): "let's say you pay $100 billion a year for compute and on $50
    billion a year, you support $150 billion".
    """
    scenario = bundled("toy_50_50")
    on_plan = simulate(scenario, draws=1)
    figures = [
        _usd("compute paid for the year", _year(on_plan, "year_compute_payment_usd", 0), 100e9),
        _usd("inference compute", _year(on_plan, "year_inference_cost_usd", 0), 50e9),
        _usd("training compute", _year(on_plan, "year_training_cost_usd", 0), 50e9),
        _usd("revenue served", _year(on_plan, "year_revenue_usd", 0), 150e9),
        _usd("profit", _year(on_plan, "year_profit_usd", 0), 50e9),
    ]
    above = simulate(_with_demand_path(scenario, [200e9]), draws=1)
    figures += [
        _claim(
            "demand above forecast ($200B): profit",
            _year(above, "year_profit_usd", 0),
            "more profitable (> $50B)",
            _year(above, "year_profit_usd", 0) > 50e9,
        ),
        _claim(
            "demand above forecast ($200B): training compute",
            _year(above, "year_training_cost_usd", 0),
            "research squeezed (< $50B)",
            _year(above, "year_training_cost_usd", 0) < 50e9,
        ),
    ]
    below = simulate(_with_demand_path(scenario, [90e9]), draws=1)
    figures += [
        _claim(
            "demand below forecast ($90B): training compute",
            _year(below, "year_training_cost_usd", 0),
            "more than half to research (> $50B)",
            _year(below, "year_training_cost_usd", 0) > 50e9,
        ),
        _claim(
            "demand below forecast ($90B): profit",
            _year(below, "year_profit_usd", 0),
            "the lab loses money (< $0)",
            _year(below, "year_profit_usd", 0) < 0,
        ),
    ]
    beyond = simulate(_with_demand_path(scenario, [400e9]), draws=1)
    figures.append(
        _claim(
            "demand beyond capacity ($400B): unserved demand",
            _year(beyond, "year_unserved_usd", 0),
            "demand above what compute can serve goes unserved (> $0)",
            _year(beyond, "year_unserved_usd", 0) > 0,
        )
    )
    return figures


def _split(scenario: Scenario, training_share: float) -> Scenario:
    """``scenario`` with inference capped so that training gets ``training_share`` of capacity."""
    operations = dataclasses.replace(
        scenario.operations, allocation_rule="inference_first", max_inference_share=Fixed(1.0 - training_share)
    )
    return dataclasses.replace(scenario, operations=operations)


def training_share() -> list[Figure]:
    """70% of a fixed compute budget for training instead of 50% buys only a 1.4x larger model.

    Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential"
    (2026-02-13): "If 70% would get you a very little bit of a smaller model
    through a factor of 1.4x ... like that extra $20 billion". The 50/50 toy's
    $100B of compute, split 50/50 and then 70/30; a model's size is the
    training compute spent on it.
    """
    scenario = bundled("toy_50_50")
    half = simulate(_split(scenario, 0.5), draws=1)
    more = simulate(_split(scenario, 0.7), draws=1)

    def trained(result: SimulationResult) -> float:
        # the model in training over the one-year horizon (index 1; index 0 is the incumbent)
        return float(result.lab_dataset()["model_training_flop"].isel(draw=0, model=1))

    ratio = trained(more) / trained(half)
    return [
        _usd("training compute, 50% split", _year(half, "year_training_cost_usd", 0), 50e9),
        _usd("training compute, 70% split", _year(more, "year_training_cost_usd", 0), 70e9),
        _usd(
            "extra training spend",
            _year(more, "year_training_cost_usd", 0) - _year(half, "year_training_cost_usd", 0),
            20e9,
        ),
        _claim("model size, 70% against 50%", ratio, "1.4x", abs(ratio - 1.4) <= 1e-12, unit=""),
        _claim(
            "revenue given up for it",
            _year(half, "year_revenue_usd", 0) - _year(more, "year_revenue_usd", 0),
            "inference squeezed (> $0)",
            _year(half, "year_revenue_usd", 0) > _year(more, "year_revenue_usd", 0),
        ),
    ]


def cohort_cartoon() -> list[Figure]:
    """Each model a company: models of $0.1B, $1B, $10B each earn 2x; the company loses money.

    Cheeky Pint with John Collison (2025-08-06): "in 2025, you get $2 billion of
    revenue from that $1 billion and you spend $10 billion to train the model."
    """
    result = simulate(bundled("cohort_cartoon"), draws=1)
    figures = [
        _usd(f"company result {year}", _year(result, "year_profit_usd", k), stated)
        for k, (year, stated) in enumerate([(2023, -0.1e9), (2024, -0.8e9), (2025, -8e9)])
    ]
    cohorts = result.lab_dataset().isel(draw=0)
    for k, cost in zip((1, 2, 3), (0.1e9, 1e9, 10e9), strict=True):
        name = str(cohorts["model_name"].values[k])
        figures.append(_usd(f"{name}: training cost", float(cohorts["model_training_cost_usd"][k]), cost))
        figures.append(_usd(f"{name}: revenue the following year", float(cohorts["model_revenue_usd"][k]), 2 * cost))
        net = float(cohorts["model_net_usd"][k])
        figures.append(_claim(f"{name}: net", net, "each model alone is profitable (> $0)", net > 0))
    return figures


def single_model() -> list[Figure]:
    """One model: $1B to train, $4B revenue, $1B inference, 75% margin, $2B net; $10B into the next.

    Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential"
    (2026-02-13): "this year it produced uh $4 billion of revenue and cost $1
    billion to to uh to to to inference from".
    """
    result = simulate(bundled("single_model"), draws=1)
    model = result.lab_dataset().isel(draw=0, model=1)
    revenue = float(model["model_revenue_usd"])
    inference = float(model["model_inference_cost_usd"])
    margin = (revenue - inference) / revenue
    next_model = float(result.lab_dataset()["model_training_cost_usd"].isel(draw=0, model=-1))
    company = _year(result, "year_profit_usd", 1)
    return [
        _usd("training cost of the model", float(model["model_training_cost_usd"]), 1e9),
        _usd("its revenue", revenue, 4e9),
        _usd("its inference cost", inference, 1e9),
        _claim("its gross margin", margin, "75%", abs(margin - 0.75) < 1e-12, unit="share"),
        _usd("its net", float(model["model_net_usd"]), 2e9),
        _usd("training of the next model meanwhile", next_model, 10e9),
        _claim("company result that year", company, "the company loses money (< $0)", company < 0),
    ]


#: The hedged buyer of the $1T bet: 15% of the naive purchase, $150B a year.
HEDGED_BET_POLICY = GrowthHedgePolicy(assumed_growth_per_year=10.0, hedge_factor=0.15, target_training_share=0.5)


def one_trillion_bet_worlds() -> dict[str, Scenario]:
    """The $1T-bet scenario in three worlds: 10x growth, 5x growth, one year late."""
    base = bundled("one_trillion_bet")
    five = dataclasses.replace(base, demand=dataclasses.replace(base.demand, growth_per_year=Fixed(5.0)))
    late = dataclasses.replace(base, demand=dataclasses.replace(base.demand, delay_months=Fixed(12.0)))
    return {"10x a year": base, "5x a year": five, "one year late": late}


def _ruin_text(result: SimulationResult) -> str:
    month = int(result.lab_dataset()["ruin_month"][0])
    if month < 0:
        return "survives"
    date = result.lab_dataset().attrs["start"]
    year, mon = (int(x) for x in date.split("-"))
    total = year * 12 + mon - 1 + month
    return f"ruined in {total // 12}-{total % 12 + 1:02d}"


def one_trillion_bet() -> list[Figure]:
    """The $1T bet: buying for 10x growth ends in ruin at 5x or one year late; a hedge survives.

    Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential"
    (2026-02-13): "there's no hedge on earth that could stop me from going
    bankrupt if I if I buy that much compute".
    """
    worlds = one_trillion_bet_worlds()
    naive = {name: simulate(scenario, draws=1) for name, scenario in worlds.items()}
    hedged = {name: simulate(scenario, draws=1, policy=HEDGED_BET_POLICY) for name, scenario in worlds.items()}
    fast = naive["10x a year"].lab_dataset().isel(draw=0)
    commitment_usd = float(fast["new_commitment_usd"].sum())
    term_years = worlds["10x a year"].compute.contract_term_months / 12
    figures = [
        _usd("annualised revenue at the end of 2026 (10x a year)", float(fast["demand_usd_per_year"][12]), 100e9),
        _usd("annualised revenue at the end of 2027 (10x a year)", float(fast["demand_usd_per_year"][24]), 1e12),
        _usd("compute bought per year, from the end of 2027", commitment_usd / term_years, 1e12),
        _usd("total commitment over the 5-year contract", commitment_usd, 5e12),
    ]
    for name in worlds:
        result = naive[name]
        ruined = int(result.lab_dataset()["ruin_month"][0]) >= 0
        expected = "survives" if name == "10x a year" else "ruin: 'no hedge on earth'"
        ok = (not ruined) if name == "10x a year" else ruined
        figures.append(
            _claim(
                f"naive 10x bet, world {name}: {_ruin_text(result)}",
                float(int(result.lab_dataset()["ruin_month"][0])),
                expected,
                ok,
                unit="month",
            )
        )
    for name in worlds:
        result = hedged[name]
        ruined = int(result.lab_dataset()["ruin_month"][0]) >= 0
        figures.append(
            _claim(
                f"hedged ($150B a year), world {name}: {_ruin_text(result)}",
                float(int(result.lab_dataset()["ruin_month"][0])),
                "survives",
                not ruined,
                unit="month",
            )
        )
    unserved = float(hedged["10x a year"].lab_dataset()["year_unserved_usd"].isel(draw=0).sum())
    figures.append(
        _claim("hedged, world 10x a year: unserved demand", unserved, "the cost of the hedge (> $0)", unserved > 0)
    )
    return figures


#: Worked examples by name, each returning its figures.
EXAMPLES: dict[str, Callable[[], list[Figure]]] = {
    "toy_50_50": toy_50_50,
    "training_share": training_share,
    "cohort_cartoon": cohort_cartoon,
    "single_model": single_model,
    "one_trillion_bet": one_trillion_bet,
}


#: The interview each worked example reproduces, with its words.
EXAMPLE_SOURCES: dict[str, Citation] = {
    "toy_50_50": Citation(
        DWARKESH_2026,
        "let's say you pay $100 billion a year for compute and on $50 billion a year, you support $150 billion",
    ),
    "training_share": Citation(
        DWARKESH_2026,
        "If if 70% would get you a very little bit of a smaller model through a factor of of 1.4x, right? "
        "like that extra $20 billion",
    ),
    "cohort_cartoon": Citation(
        CHEEKY_PINT_2025,
        "in 2025, you get $2 billion of revenue from that $1 billion and you spend $10 billion to train the model.",
    ),
    "single_model": Citation(
        DWARKESH_2026,
        "this year it produced uh $4 billion of revenue and cost $1 billion to to uh to to to inference from",
    ),
    "one_trillion_bet": Citation(
        DWARKESH_2026,
        "there's no hedge on earth that could stop me from going bankrupt if I if I buy that much compute",
    ),
}


def run_examples(names: list[str] | None = None) -> dict[str, list[Figure]]:
    """Run worked examples (all by default) and return their figures by name."""
    chosen = names if names else list(EXAMPLES)
    unknown = [n for n in chosen if n not in EXAMPLES]
    if unknown:
        raise KeyError(f"unknown example {unknown[0]!r}; known: {', '.join(EXAMPLES)}")
    return {name: EXAMPLES[name]() for name in chosen}


def all_ok(figures: dict[str, list[Figure]]) -> bool:
    """Whether every figure matches the interview's."""
    return bool(np.all([f.ok for group in figures.values() for f in group]))

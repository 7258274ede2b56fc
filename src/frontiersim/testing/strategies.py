"""Hypothesis strategies for random, valid scenarios.

Scenarios are built as the nested dicts a TOML file is read into and passed
through :func:`frontiersim.parse_scenario`, so they are validated exactly as
scenario files are. The strategies cover every section: growth, path and
capability demand (sometimes under a binding demand ceiling; capability
demand with random segments, rivals and milestone ladders), fixed values and
distributions (``"a to b"`` lognormals, lognormal, uniform, triangular, beta
and choice tables), zero and positive volatility, edge gross margins of 0
and 1, every policy kind, fundraising on and off (rounds independent of
revenue growth, or growing with it), starting cash small enough that a good
share of scenarios ends in ruin, every allocation rule with its keys, a
small book of contracts signed before the start (0-3, some already online,
some ended), planning windows of -1, 0 or a few months, and hardware FLOP
per GW that stays flat or grows.

Labs
----
By default a scenario has no ``[labs.*]`` tables: one implicit lab, as
before labs existed. With ``labs=(low, high)`` (or ``labs=n``) a scenario
declares between ``low`` and ``high`` labs (0 meaning no ``[labs.*]``
tables), each a ``[labs.NAME]`` table that sometimes gives a
``market_share`` (all labs, adding up to 1; some labs, leaving the rest to
the others; or none) and sometimes sets some keys of ``compute``,
``operations``, ``finance`` and ``policy`` of its own (a policy of another
kind, or some keys of the shared one). Such scenarios sometimes have a
``[market]`` table, and ``share_rule = "capability"`` when capability
drives demand.

This module needs `hypothesis <https://hypothesis.readthedocs.io>`_, a
development dependency of frontiersim (``pip install 'frontiersim[dev]'``).

Examples
--------
>>> import frontiersim as fs
>>> from hypothesis import given, settings
>>> from frontiersim.testing import assert_accounting_identities, scenarios, seeds
>>> @settings(max_examples=3, deadline=None, database=None)
... @given(scenarios(max_draws=5, max_horizon_years=1), seeds())
... def check(scenario, seed):
...     assert_accounting_identities(fs.simulate(scenario, seed=seed, keep_monthly=True))
>>> check()
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - hypothesis is a dev dependency
    raise ImportError(
        "frontiersim.testing.strategies needs hypothesis; install it with pip install 'frontiersim[dev]'"
    ) from error

from frontiersim.scenario.fields import field_spec
from frontiersim.scenario.loader import parse_scenario
from frontiersim.scenario.schema import MAX_LABS, POLICY_KINDS, Scenario

#: Demand kinds the strategies can produce.
DEMAND_KINDS: tuple[str, ...] = ("growth", "path", "capability")

#: Largest seed drawn by :func:`seeds` (seeds are unsigned 32-bit integers).
MAX_SEED = 2**32 - 1

#: Names given to declared labs, in no particular order (``"lab"``, the implicit lab's name, among them).
LAB_NAMES: tuple[str, ...] = ("alpha", "beta", "gamma", "delta", "epsilon", "lab", "zeta_2", "eta")

#: Number of declared labs, as ``(fewest, most)``; None for a scenario without ``[labs.*]`` tables.
LabCount = tuple[int, int] | None

TomlValue = Any
Table = dict[str, TomlValue]


# ---------------------------------------------------------------------------
# Values of single keys
# ---------------------------------------------------------------------------


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in ``[low, high]``."""
    # Subnormal numbers (below ~2.2e-308) carry too few digits for the
    # relative tolerances of the accounting identities; no scenario needs them.
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def _lognormal(draw: st.DrawFn, p5_low: float, p5_high: float, max_ratio: float) -> TomlValue:
    """A lognormal as an ``"a to b"`` string or a ``dist = "lognormal"`` table (``p5_low > 0``)."""
    p5 = draw(_floats(p5_low, p5_high))
    p95 = p5 * draw(_floats(1.05, max_ratio))
    if draw(st.booleans()):
        return f"{p5!r} to {p95!r}"
    return {"dist": "lognormal", "p5": p5, "p95": p95}


@st.composite
def _uniform(draw: st.DrawFn, low: float, high: float, min_width: float) -> TomlValue:
    """A uniform table whose support lies in ``[low, high]``."""
    lo = draw(_floats(low, high - min_width))
    hi = draw(_floats(min(lo + min_width, high), high))
    return {"dist": "uniform", "low": lo, "high": hi}


@st.composite
def _triangular(draw: st.DrawFn, low: float, high: float, min_width: float) -> TomlValue:
    """A triangular table whose support lies in ``[low, high]``."""
    lo = draw(_floats(low, high - min_width))
    hi = draw(_floats(min(lo + min_width, high), high))
    mode = draw(_floats(lo, hi))
    return {"dist": "triangular", "low": lo, "mode": mode, "high": hi}


@st.composite
def _beta(draw: st.DrawFn) -> TomlValue:
    """A beta table on ``[0, 1]``, bounds sometimes written out."""
    table: Table = {"dist": "beta", "alpha": draw(_floats(0.5, 5.0)), "beta": draw(_floats(0.5, 5.0))}
    if draw(st.booleans()):
        table.update(low=0.0, high=1.0)
    return table


@st.composite
def _choice(draw: st.DrawFn, values: st.SearchStrategy[float] | st.SearchStrategy[int]) -> TomlValue:
    """A choice table of 1-4 values, with or without weights."""
    options = draw(st.lists(values, min_size=1, max_size=4))
    table: Table = {"dist": "choice", "values": options}
    if draw(st.booleans()):
        weights = draw(st.lists(_floats(0.0, 1.0), min_size=len(options), max_size=len(options)))
        if sum(weights) <= 0:
            weights[0] = 1.0
        table["weights"] = weights
    return table


def _share(high: float, *, high_open: bool) -> st.SearchStrategy[TomlValue]:
    """Values in ``[0, high]`` (``[0, high)`` when ``high_open``): 0, fixed, uniform or triangular."""
    top = high * (1.0 - 1e-9) if high_open else high
    return st.one_of(st.just(0.0), _floats(0.0, top), _uniform(0.0, top, 0.01), _triangular(0.0, top, 0.01))


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _scenario_section(draw: st.DrawFn, max_horizon_years: int) -> Table:
    year, month = draw(st.integers(2020, 2035)), draw(st.integers(1, 12))
    return {
        "name": "hypothesis",
        "start": f"{year:04d}-{month:02d}",
        "horizon_years": draw(st.integers(1, max_horizon_years)),
    }


def _simulation_section(draw: st.DrawFn, max_draws: int) -> Table:
    return {"draws": draw(st.integers(1, max_draws)), "seed": draw(st.integers(0, MAX_SEED))}


def _demand_section(draw: st.DrawFn, kind: str, horizon_years: int) -> Table:
    table: Table = {"kind": kind}
    if kind == "capability":
        table["initial_usd_per_year"] = draw(
            st.one_of(_floats(1e8, 1e11), _lognormal(1e8, 5e10, 10.0), _uniform(1e8, 5e10, 1e8))
        )
        if draw(st.booleans()):
            table["ceiling_usd_per_year"] = draw(_floats(1e9, 1e12))
        return table
    if kind == "growth":
        table["initial_usd_per_year"] = draw(
            st.one_of(_floats(1e8, 1e11), _lognormal(1e8, 5e10, 10.0), _uniform(1e8, 5e10, 1e8), st.just(0.0))
        )
        table["growth_per_year"] = draw(
            st.one_of(
                _floats(0.2, 30.0),
                _lognormal(0.5, 8.0, 10.0),
                _uniform(0.2, 30.0, 0.1),
                _triangular(0.2, 30.0, 0.1),
                _choice(_floats(0.2, 30.0)),
            )
        )
        table["growth_persistence_per_year"] = draw(
            st.one_of(st.sampled_from([1.0, 0.7]), _floats(0.05, 1.5), _uniform(0.05, 1.5, 0.01))
        )
    else:
        levels = st.one_of(_floats(1e8, 1e12), st.just(0.0))
        table["path_usd_per_year"] = draw(st.lists(levels, min_size=horizon_years, max_size=horizon_years + 2))
    table["delay_months"] = draw(
        st.one_of(st.integers(0, 24), _choice(st.sampled_from([0, 3, 6, 12, 24])), _uniform(0.0, 24.0, 1.0))
    )
    table["volatility_per_sqrt_year"] = draw(st.one_of(st.just(0.0), _floats(0.0, 1.5), _uniform(0.0, 1.5, 0.01)))
    if draw(st.booleans()):
        table["ceiling_usd_per_year"] = draw(_floats(1e9, 1e12))
    return table


def _segment_table(draw: st.DrawFn, value_share: float) -> Table:
    """One ``[capability.segments.*]`` table; keys are sometimes left to their defaults."""
    table: Table = {"value_share": value_share}
    options: dict[str, st.SearchStrategy[TomlValue]] = {
        "innovation_per_year": st.one_of(st.just(0.0), _floats(0.0, 3.0), _uniform(0.0, 3.0, 0.01)),
        "imitation_per_year": st.one_of(st.just(0.0), _floats(0.0, 5.0), _lognormal(0.1, 2.0, 5.0)),
        "volatility_per_sqrt_year": st.one_of(st.just(0.0), _floats(0.0, 1.5), _uniform(0.0, 1.5, 0.01)),
        "gross_margin": st.one_of(
            st.sampled_from([0.0, 1.0, 0.6]), _floats(0.0, 1.0), _triangular(0.0, 1.0, 0.01), _beta()
        ),
    }
    for key, values in options.items():
        if draw(st.integers(0, 3)) > 0:
            table[key] = draw(values)
    return table


def _capability_section(draw: st.DrawFn) -> Table:
    """A ``[capability]`` table with segments and, sometimes, a ladder of milestones of its own."""
    table: Table = {
        "initial_training_flop": draw(st.one_of(_floats(1e24, 1e28), _lognormal(1e24, 1e27, 10.0))),
        "flop_per_gw_month": draw(st.one_of(st.just(0.0), _floats(0.0, 1e27), _lognormal(1e24, 1e26, 10.0))),
        "efficiency_doubling_months": draw(st.one_of(_floats(3.0, 36.0), _lognormal(3.0, 12.0, 3.0))),
        "slope_per_decade": draw(st.one_of(st.just(0.0), _floats(0.0, 2.0), _uniform(0.0, 2.0, 0.01))),
        "value_multiple_per_tier": draw(st.one_of(_floats(1.5, 30.0), _lognormal(2.0, 10.0, 3.0))),
        "initial_overhang": draw(st.one_of(st.just(1.0), _floats(1.0, 30.0), _uniform(1.0, 30.0, 0.1))),
        "frontier_compute_growth_per_year": draw(st.one_of(_floats(1.0, 10.0), _lognormal(1.5, 6.0, 2.0))),
        "rival_labs": draw(st.integers(0, 5)),
    }
    share = draw(st.sampled_from([1.0, 0.0, 0.7]) | _floats(0.0, 1.0))
    table["segments"] = {"enterprise": _segment_table(draw, share), "consumer": _segment_table(draw, 1.0 - share)}
    ladder = draw(st.integers(0, 2))
    if ladder == 1:  # a ladder of its own (possibly empty)
        thresholds = sorted(set(draw(st.lists(_floats(0.0, 6.0), max_size=5))))
        table["milestones"] = {f"rung {k} ({value:.3g} tiers)": value for k, value in enumerate(thresholds)}
    return table


def _month_text(start: str, offset: int) -> str:
    """The month ``offset`` months after ``start`` (both ``YYYY-MM``), as ``YYYY-MM``."""
    year, month = (int(part) for part in start.split("-"))
    index = 12 * year + month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _contracts(draw: st.DrawFn, start: str) -> list[Table]:
    """A small book of contracts signed before the start: 0-3, some already online, some ended before it."""
    book = []
    for k in range(draw(st.integers(0, 3))):
        contract: Table = {
            "name": f"site {k}",
            "online": _month_text(start, draw(st.integers(-36, 30))),
            "gw": draw(_floats(0.01, 5.0)),
            "term_months": draw(st.integers(1, 72)),
        }
        if draw(st.booleans()):
            contract["cost_usd_per_gw_year"] = draw(st.one_of(st.just(0.0), _floats(5e9, 2e10)))
        book.append(contract)
    return book


def _compute_section(draw: st.DrawFn, horizon_years: int, start: str = "2026-01") -> Table:
    table: Table = {
        "initial_capacity_gw": draw(
            st.one_of(_floats(0.0, 10.0), st.just(0.0), _lognormal(0.1, 5.0, 5.0), _uniform(0.0, 10.0, 0.1))
        ),
        "initial_contract_months_remaining": draw(st.integers(0, 72)),
        "cost_usd_per_gw_year": draw(
            st.one_of(_floats(5e9, 2e10), _lognormal(5e9, 1.5e10, 3.0), _triangular(5e9, 2e10, 1e8))
        ),
        "price_decline_per_year": draw(_share(1.0, high_open=True)),
        "lead_time_months": draw(st.integers(0, 30)),
        "contract_term_months": draw(st.integers(1, 72)),
        "decision_interval_months": draw(st.integers(1, 24)),
        "first_decision_month": draw(st.integers(0, 24)),
        "planning_window_months": draw(st.one_of(st.sampled_from([-1, 0]), st.integers(1, 6))),
        "contracts": _contracts(draw, start),
        "training_flop_per_gw_month": draw(st.one_of(_floats(1e25, 1e28), _lognormal(1e25, 1e27, 5.0))),
        "flop_per_gw_growth_per_year": draw(st.one_of(st.just(1.0), _floats(1.0, 3.0), _uniform(1.0, 3.0, 0.01))),
    }
    if draw(st.integers(0, 3)) == 0:
        table["decision_months"] = draw(st.lists(st.integers(0, 12 * horizon_years - 1), max_size=6))
    return table


def _operations_section(draw: st.DrawFn, demand_kind: str) -> Table:
    table = {
        "gross_margin": draw(
            st.one_of(
                st.sampled_from([0.0, 1.0, 0.6]),
                _floats(0.0, 1.0),
                _uniform(0.0, 1.0, 0.01),
                _triangular(0.0, 1.0, 0.01),
                _beta(),
            )
        ),
        "allocation_rule": draw(st.sampled_from(("target_share", "inference_first", "residual"))),
        "target_training_share": draw(_share(1.0, high_open=True)),
        "max_inference_share": draw(
            st.one_of(st.just(1.0), _floats(0.01, 1.0), _uniform(0.01, 1.0, 0.01), _triangular(0.01, 1.0, 0.01))
        ),
        "min_training_share": draw(_share(1.0, high_open=True)),
        "other_opex_usd_per_year": draw(st.one_of(st.just(0.0), _floats(0.0, 1e10), _lognormal(1e8, 5e9, 4.0))),
        "opex_share_of_revenue": draw(_share(1.0, high_open=False)),
    }
    if demand_kind == "capability":  # the margin comes from the segments
        del table["gross_margin"]
    return table


def _models_section(draw: st.DrawFn) -> Table:
    return {"release_interval_months": draw(st.integers(1, 24)), "first_release_month": draw(st.integers(0, 60))}


def _finance_section(draw: st.DrawFn) -> Table:
    table: Table = {
        "starting_cash_usd": draw(
            st.one_of(_floats(0.0, 2e10), st.just(0.0), _lognormal(1e8, 1e10, 5.0), _uniform(0.0, 3e10, 1e8))
        ),
        "fundraising_enabled": draw(st.booleans()),
    }
    if table["fundraising_enabled"] or draw(st.booleans()):
        table.update(
            raise_when_runway_below_months=draw(_floats(0.0, 24.0)),
            raise_revenue_multiple=draw(st.one_of(_floats(0.0, 5.0), _lognormal(0.5, 2.0, 4.0))),
            raise_max_usd=draw(_floats(0.0, 1e11)),
            raise_min_interval_months=draw(st.integers(1, 12)),
            raise_reference_growth_per_year=draw(_floats(1.5, 30.0)),
            raise_growth_elasticity=draw(st.one_of(st.just(0.0), _floats(0.05, 2.0))),
            raise_success_probability=draw(
                st.one_of(st.sampled_from([1.0, 0.0, 0.8]), _floats(0.0, 1.0), _uniform(0.0, 1.0, 0.01), _beta())
            ),
        )
    return table


def _key_floats(path: str, policy_kind: str | None = None) -> st.SearchStrategy[float]:
    """Floats over a key's exploration range widened by half its width each way, within the key's bounds.

    The range is the schema's (:meth:`FieldSpec.exploration_range`), so a
    generated scenario explores what users explore, and past it, without the
    strategy restating the key's range.
    """
    spec = field_spec(path, policy_kind=policy_kind)
    low, high = spec.exploration_range()
    margin = 0.5 * (high - low)
    low, high = max(low - margin, spec.low), min(high + margin, spec.high)
    if spec.low_open and low <= spec.low:
        low = spec.low + 0.01 * (high - spec.low)
    if spec.high_open and high >= spec.high:
        high = spec.high - 0.01 * (spec.high - low)
    return _floats(low, high)


def _policy_section(draw: st.DrawFn, kind: str, decisions: int, *, needs_belief: bool = False) -> Table:
    """A ``[policy]`` table; a quantile policy always states its growth belief when ``needs_belief``."""
    table: Table = {"kind": kind}
    if kind == "growth_hedge":
        table.update(
            assumed_growth_per_year=draw(_key_floats("policy.assumed_growth_per_year", kind)),
            hedge_factor=draw(_key_floats("policy.hedge_factor", kind)),
            target_training_share=draw(_key_floats("policy.target_training_share", kind)),
        )
    elif kind == "fixed_schedule":
        table["commitments_gw"] = draw(st.lists(_floats(0.0, 10.0), max_size=decisions + 1))
    else:
        table.update(
            quantile=draw(_key_floats("policy.quantile", kind)),
            target_training_share=draw(_key_floats("policy.target_training_share", kind)),
            belief_volatility_per_sqrt_year=draw(st.one_of(st.just(-1.0), _floats(0.0, 2.0))),
        )
        if needs_belief or draw(st.booleans()):
            p5 = draw(_floats(0.5, 8.0))
            table.update(belief_growth_p5=p5, belief_growth_p95=p5 * draw(_floats(1.05, 10.0)))
    return table


def _market_shares(draw: st.DrawFn, count: int) -> list[float | None]:
    """Each lab's ``market_share`` or None: every lab's (adding up to 1), some labs' (below 1 in all), or none."""
    mode = draw(st.sampled_from(("none", "all", "some") if count > 1 else ("none", "all")))
    if mode == "none":
        return [None] * count
    weights = draw(st.lists(_floats(0.05, 1.0), min_size=count, max_size=count))
    total = sum(weights)
    shares: list[float | None] = [weight / total for weight in weights]
    if mode == "some":  # at least one lab without a share, so the given ones add up to less than 1
        left_out = draw(st.lists(st.booleans(), min_size=count, max_size=count))
        left_out[draw(st.integers(0, count - 1))] = True
        shares = [None if out else share for share, out in zip(shares, left_out, strict=True)]
    return shares


def _some_keys(draw: st.DrawFn, table: Table, groups: Sequence[tuple[str, ...]] = ()) -> Table:
    """A non-empty subset of ``table``'s keys; keys in one of ``groups`` are kept or dropped together."""
    grouped = {key for group in groups for key in group}
    units = [group for group in groups if all(key in table for key in group)]
    units += [(key,) for key in table if key not in grouped]
    chosen = draw(st.lists(st.sampled_from(units), min_size=1, max_size=len(units), unique=True))
    return {key: table[key] for unit in chosen for key in unit}


def _lab_policy(
    draw: st.DrawFn, shared: Table, policy_kinds: tuple[str, ...], decisions: int, capability: bool
) -> Table:
    """A lab's ``policy`` table: a policy of its own (with ``kind``) or some keys of the shared one."""
    if draw(st.booleans()):
        return _policy_section(draw, draw(st.sampled_from(policy_kinds)), decisions, needs_belief=capability)
    fresh = _policy_section(draw, shared["kind"], decisions, needs_belief=True)
    del fresh["kind"]
    return _some_keys(draw, fresh, groups=(("belief_growth_p5", "belief_growth_p95"),))


def _labs_table(
    draw: st.DrawFn,
    count: int,
    tables: Table,
    demand_kind: str,
    policy_kinds: tuple[str, ...],
    decisions: int,
) -> Table:
    """``count`` ``[labs.NAME]`` tables with shares and overrides of some keys of the lab sections."""
    horizon_years: int = tables["scenario"]["horizon_years"]
    names = draw(st.lists(st.sampled_from(LAB_NAMES), min_size=count, max_size=count, unique=True))
    labs: Table = {}
    for name, share in zip(names, _market_shares(draw, count), strict=True):
        lab: Table = {} if share is None else {"market_share": share}
        if draw(st.integers(0, 2)) == 0:
            compute = _some_keys(draw, _compute_section(draw, horizon_years, tables["scenario"]["start"]))
            interval = {"decision_interval_months", "first_decision_month"} & set(compute)
            if interval and tables["compute"].get("decision_months") and "decision_months" not in compute:
                compute["decision_months"] = []  # the shared months would override the lab's interval
            lab["compute"] = compute
        if draw(st.integers(0, 2)) == 0:
            lab["operations"] = _some_keys(draw, _operations_section(draw, demand_kind))
        if draw(st.integers(0, 2)) == 0:
            lab["finance"] = _some_keys(draw, _finance_section(draw))
        if draw(st.integers(0, 2)) == 0:
            lab["policy"] = _lab_policy(draw, tables["policy"], policy_kinds, decisions, demand_kind == "capability")
        labs[name] = lab
    return labs


@st.composite
def _scenario_tables(
    draw: st.DrawFn,
    max_draws: int,
    max_horizon_years: int,
    demand_kinds: tuple[str, ...],
    policy_kinds: tuple[str, ...],
    labs: LabCount = None,
) -> Table:
    meta = _scenario_section(draw, max_horizon_years)
    horizon_years: int = meta["horizon_years"]
    demand_kind = draw(st.sampled_from(demand_kinds))
    policy_kind = draw(st.sampled_from(policy_kinds))
    compute = _compute_section(draw, horizon_years, meta["start"])
    interval: int = compute["decision_interval_months"]
    decisions = len(compute.get("decision_months", ())) or -(-12 * horizon_years // interval)
    tables: Table = {
        "scenario": meta,
        "simulation": _simulation_section(draw, max_draws),
        "demand": _demand_section(draw, demand_kind, horizon_years),
        "compute": compute,
        "operations": _operations_section(draw, demand_kind),
        "models": _models_section(draw),
        "finance": _finance_section(draw),
        "policy": _policy_section(draw, policy_kind, decisions, needs_belief=demand_kind == "capability"),
    }
    if demand_kind == "capability":
        tables["capability"] = _capability_section(draw)
    if labs is not None:
        count = draw(st.integers(*labs))
        if count > 0:
            tables["labs"] = _labs_table(draw, count, tables, demand_kind, policy_kinds, decisions)
        rules = ("fixed", "capability") if demand_kind == "capability" else ("fixed",)
        rule = draw(st.sampled_from((None, *rules)))
        if rule is not None:
            tables["market"] = {"share_rule": rule}
    return tables


# ---------------------------------------------------------------------------
# Public strategies
# ---------------------------------------------------------------------------


def _checked_labs(labs: int | tuple[int, int] | None) -> LabCount:
    if labs is None:
        return None
    low, high = (labs, labs) if isinstance(labs, int) else labs
    if not 0 <= low <= high <= MAX_LABS:
        raise ValueError(f"labs must be None, a count or a (fewest, most) pair within [0, {MAX_LABS}], got {labs!r}")
    return low, high


def _checked_kinds(name: str, kinds: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(kinds)
    unknown = [kind for kind in chosen if kind not in known]
    if not chosen or unknown:
        raise ValueError(f"{name} must be a non-empty selection of {', '.join(map(repr, known))}, got {chosen!r}")
    return chosen


def scenario_tables(
    *,
    max_draws: int = 40,
    max_horizon_years: int = 4,
    demand_kinds: Sequence[str] = DEMAND_KINDS,
    policy_kinds: Sequence[str] = tuple(POLICY_KINDS),
    labs: int | tuple[int, int] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Random valid scenarios as the nested dicts a TOML file is read into.

    Parameters
    ----------
    max_draws : int
        Largest ``[simulation] draws`` (at least 1).
    max_horizon_years : int
        Largest ``[scenario] horizon_years``, from 1 to 50.
    demand_kinds : sequence of str
        ``[demand] kind`` values to choose from (``"growth"``, ``"path"``,
        ``"capability"``).
    policy_kinds : sequence of str
        ``[policy] kind`` values to choose from (``"growth_hedge"``,
        ``"fixed_schedule"``, ``"quantile"``).
    labs : int, (int, int) or None
        None (the default): no ``[labs.*]`` tables, one implicit lab. A
        count, or a ``(fewest, most)`` range, of declared labs, from 0 to
        :data:`~frontiersim.scenario.schema.MAX_LABS` (0: no ``[labs.*]``
        tables, but sometimes a ``[market]`` table); see the module notes.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of dict
        Tables that :func:`frontiersim.parse_scenario` accepts.

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    if max_draws < 1:
        raise ValueError(f"max_draws must be >= 1, got {max_draws}")
    if not 1 <= max_horizon_years <= 50:
        raise ValueError(f"max_horizon_years must be in [1, 50], got {max_horizon_years}")
    return _scenario_tables(
        max_draws,
        max_horizon_years,
        _checked_kinds("demand_kinds", demand_kinds, DEMAND_KINDS),
        _checked_kinds("policy_kinds", policy_kinds, tuple(POLICY_KINDS)),
        _checked_labs(labs),
    )


def scenarios(
    *,
    max_draws: int = 40,
    max_horizon_years: int = 4,
    demand_kinds: Sequence[str] = DEMAND_KINDS,
    policy_kinds: Sequence[str] = tuple(POLICY_KINDS),
    labs: int | tuple[int, int] | None = None,
) -> st.SearchStrategy[Scenario]:
    """Random valid :class:`~frontiersim.Scenario` objects.

    Each scenario is drawn by :func:`scenario_tables` and validated by
    :func:`frontiersim.parse_scenario`, exactly as a scenario file is.
    Horizons are short and draws few (``[simulation] draws``), so that
    simulating an example takes milliseconds.

    Parameters
    ----------
    max_draws : int
        Largest ``[simulation] draws`` (at least 1).
    max_horizon_years : int
        Largest ``[scenario] horizon_years``, from 1 to 50.
    demand_kinds : sequence of str
        ``[demand] kind`` values to choose from (``"growth"``, ``"path"``,
        ``"capability"``).
    policy_kinds : sequence of str
        ``[policy] kind`` values to choose from (``"growth_hedge"``,
        ``"fixed_schedule"``, ``"quantile"``).
    labs : int, (int, int) or None
        None (the default): no ``[labs.*]`` tables, one implicit lab. A
        count, or a ``(fewest, most)`` range, of declared labs, from 0 to
        :data:`~frontiersim.scenario.schema.MAX_LABS` (0: no ``[labs.*]``
        tables, but sometimes a ``[market]`` table); see the module notes.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Scenario

    Raises
    ------
    ValueError
        If an argument is out of range.

    Examples
    --------
    >>> from frontiersim.testing import scenarios
    >>> strategy = scenarios(max_draws=10, policy_kinds=["quantile"])
    >>> several_labs = scenarios(max_draws=10, labs=(2, 5))
    """
    tables = scenario_tables(
        max_draws=max_draws,
        max_horizon_years=max_horizon_years,
        demand_kinds=demand_kinds,
        policy_kinds=policy_kinds,
        labs=labs,
    )
    return tables.map(lambda table: parse_scenario(table, source="<hypothesis>"))


def seeds() -> st.SearchStrategy[int]:
    """Seeds accepted by :func:`frontiersim.simulate`: integers in ``[0, 2**32 - 1]``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of int
    """
    return st.integers(0, MAX_SEED)


__all__ = ["DEMAND_KINDS", "LAB_NAMES", "MAX_SEED", "LabCount", "scenario_tables", "scenarios", "seeds"]

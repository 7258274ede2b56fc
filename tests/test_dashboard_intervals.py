"""Sliders that keep uncertainty: a distribution's 5-95% interval moved, its family kept (dashboard/intervals.py)."""

from __future__ import annotations

import json
import math
import re
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from starlette.exceptions import StarletteDeprecationWarning

from frontiersim.dashboard import create_app
from frontiersim.dashboard.intervals import (
    IntervalError,
    apply_intervals,
    describe_distribution,
    interval,
    movable_interval,
    nearest_allowed_interval,
    stretch_scale,
    stretch_to_interval,
    widest_allowed_interval,
)
from frontiersim.dashboard.sliders import preset_comments, slider_states
from frontiersim.scenario.distributions import (
    Beta,
    Choice,
    Distribution,
    Empirical,
    Fixed,
    Lognormal,
    Mixture,
    Normal,
    Triangular,
    TruncNormal,
    Uniform,
    parse_distribution,
    to_toml_value,
)
from frontiersim.scenario.fields import FieldSpec, field_spec
from frontiersim.scenario.loader import bundled, bundled_names, bundled_text, parse_scenario, parse_scenario_text
from frontiersim.units import plain_number, quantity, quantity_range

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

# -- strategies: one of every family, with parameters of moderate size ---------------------------------

moderate = st.floats(-50.0, 50.0, allow_nan=False)
width = st.floats(0.1, 40.0, allow_nan=False)
positive = st.floats(0.05, 50.0, allow_nan=False)
ratio = st.floats(1.05, 30.0, allow_nan=False)
share = st.floats(0.05, 1.0, allow_nan=False)


@st.composite
def lognormals(draw: st.DrawFn) -> Lognormal:
    low = draw(positive)
    return Lognormal(low, low * draw(ratio))


@st.composite
def linear_families(draw: st.DrawFn) -> Distribution:  # noqa: PLR0911 - one per family
    """A distribution of a family stretched on the linear scale."""
    low, spread = draw(moderate), draw(width)
    kind = draw(st.sampled_from(["normal", "truncnormal", "uniform", "triangular", "beta", "choice", "empirical"]))
    if kind == "normal":
        return Normal(low, spread)
    if kind == "truncnormal":
        below, above = draw(st.floats(0.2, 4.0)), draw(st.floats(0.2, 4.0))
        cut_low = draw(st.sampled_from([low - below * spread, -math.inf]))
        cut_high = draw(st.sampled_from([low + above * spread, math.inf]))
        assume(math.isfinite(cut_low) or math.isfinite(cut_high))
        return TruncNormal(low, spread, cut_low, cut_high)
    if kind == "uniform":
        return Uniform(low, low + spread)
    if kind == "triangular":
        return Triangular(low, low + draw(st.floats(0.0, 1.0)) * spread, low + spread)
    if kind == "beta":
        return Beta(draw(st.floats(0.5, 8.0)), draw(st.floats(0.5, 8.0)), low, low + spread)
    values = draw(st.lists(moderate, min_size=2, max_size=6, unique=True))
    if kind == "choice":
        return Choice(tuple(values), tuple(draw(st.lists(share, min_size=len(values), max_size=len(values)))))
    return Empirical(tuple(values))


@st.composite
def mixtures(draw: st.DrawFn) -> Mixture:
    """A mixture of linear families, or of lognormals and positive numbers (stretched on the log scale)."""
    if draw(st.booleans()):
        components: list[Distribution] = draw(st.lists(linear_families(), min_size=2, max_size=3))
    else:
        components = [draw(lognormals()), draw(st.one_of(lognormals(), positive.map(Fixed)))]
    weights = draw(st.lists(share, min_size=len(components), max_size=len(components)))
    return Mixture(tuple(components), tuple(weights))


families = st.one_of(lognormals(), linear_families(), mixtures())


def _new_interval(draw: st.DrawFn, distribution: Distribution) -> tuple[float, float]:
    if stretch_scale(distribution) == "log":
        low = draw(positive)
        return low, low * draw(ratio)
    low = draw(moderate)
    return low, low + draw(width)


def _close(got: float, expected: float, scale: float) -> bool:
    return abs(got - expected) <= 1e-9 * scale


def _families_of(distribution: Distribution) -> Any:
    """The class of a distribution and, for a mixture, of each component: what a stretch must keep."""
    if isinstance(distribution, Mixture):
        return (Mixture, tuple(_families_of(c) for c in distribution.components))
    return type(distribution)


# -- the mapping -------------------------------------------------------------------------------------


@given(st.data(), families)
def test_the_stretch_keeps_the_family_and_hits_the_new_interval(data: st.DataObject, old: Distribution) -> None:
    assume(movable_interval(old) is not None)
    p5, p95 = _new_interval(data.draw, old)
    new = stretch_to_interval(old, p5, p95)
    assert _families_of(new) == _families_of(old)
    got_p5, got_p95 = interval(new)
    scale = max(abs(p5), abs(p95), p95 - p5)
    assert _close(got_p5, p5, scale), (got_p5, p5)
    assert _close(got_p95, p95, scale), (got_p95, p95)
    # the new distribution round-trips through a scenario file's TOML value
    assert parse_distribution(to_toml_value(new), "x")[0] is not None


@given(st.data(), st.one_of(linear_families(), mixtures()))
def test_every_quantile_moves_by_the_same_increasing_map(data: st.DataObject, old: Distribution) -> None:
    spread = movable_interval(old)
    assume(spread is not None)
    assert spread is not None
    p5, p95 = _new_interval(data.draw, old)
    new = stretch_to_interval(old, p5, p95)
    (a, b), levels = spread, np.array([0.1, 0.25, 0.5, 0.75, 0.9])
    old_q, new_q = np.asarray(old.ppf(levels), dtype=float), np.asarray(new.ppf(levels), dtype=float)
    if stretch_scale(old) == "log":
        expected = p5 * np.exp((np.log(old_q) - np.log(a)) * (np.log(p95) - np.log(p5)) / (np.log(b) - np.log(a)))
    else:
        expected = p5 + (old_q - a) * (p95 - p5) / (b - a)
    scale = max(abs(p5), abs(p95), p95 - p5, float(np.max(np.abs(expected))))
    assert np.allclose(new_q, expected, rtol=0.0, atol=1e-8 * scale), (new_q, expected)


def test_closed_forms_per_family() -> None:
    # lognormal: on the log scale, so the median moves to sqrt(p5 p95)
    assert stretch_to_interval(Lognormal(3.0, 20.0), 4.0, 25.0) == Lognormal(4.0, 25.0)
    assert float(stretch_to_interval(Lognormal(3.0, 20.0), 4.0, 25.0).ppf(0.5)) == pytest.approx(10.0)
    # normal: mean the midpoint, sd from the half-width
    normal = stretch_to_interval(Normal(0.0, 1.0), 10.0, 20.0)
    assert isinstance(normal, Normal)
    assert normal.mean_value == 15.0
    assert normal.sd == pytest.approx(5.0 / 1.6448536269514722)
    # uniform: its 5-95% interval is 90% of its width, so the ends move out by 1/18 of the new interval
    uniform = stretch_to_interval(Uniform(0.0, 1.0), 0.0, 0.9)
    assert isinstance(uniform, Uniform)
    assert (uniform.low, uniform.high) == pytest.approx((-0.05, 0.95))
    # beta: the shapes are kept, the support is stretched
    beta = stretch_to_interval(Beta(2.0, 5.0), 0.2, 0.6)
    assert isinstance(beta, Beta)
    assert (beta.alpha, beta.beta) == (2.0, 5.0)
    # truncnormal: the bounds move with the stretch
    half = TruncNormal(0.0, 1.0, 0.0, math.inf)
    a, b = interval(half)
    cut = stretch_to_interval(half, 1.0, 3.0)
    assert isinstance(cut, TruncNormal)
    k = 2.0 / (b - a)
    assert (cut.mu, cut.sigma, cut.low, cut.high) == pytest.approx((1.0 - k * a, k, 1.0 - k * a, math.inf))
    # choice: the values move, the weights stay (the one_trillion_bet_uncertain growth)
    assert stretch_to_interval(Choice((5.0, 10.0), (0.5, 0.5)), 4.0, 12.0) == Choice((4.0, 12.0), (0.5, 0.5))


def test_a_mixture_with_a_lognormal_is_stretched_on_the_log_scale() -> None:
    mixture = Mixture((Lognormal(2.0, 8.0), Fixed(5.0)), (0.7, 0.3))
    assert stretch_scale(mixture) == "log"
    stretched = stretch_to_interval(mixture, 1.0, 64.0)
    assert isinstance(stretched, Mixture)
    assert isinstance(stretched.components[0], Lognormal)
    assert interval(stretched) == pytest.approx((1.0, 64.0), rel=1e-12)


@pytest.mark.parametrize(
    ("distribution", "p5", "p95", "fragment"),
    [
        (Lognormal(3.0, 20.0), 20.0, 3.0, "not below the 95th percentile"),
        (Uniform(0.0, 1.0), 0.5, 0.5, "not below the 95th percentile"),
        (Uniform(0.0, 1.0), math.nan, 0.5, "not two finite numbers"),
        (Lognormal(3.0, 20.0), -1.0, 5.0, "is not positive"),
        (Fixed(3.0), 1.0, 5.0, "is a fixed number"),
        (Choice((1.0, 2.0), (0.97, 0.03)), 1.0, 5.0, "no spread to stretch"),
        (Mixture((Lognormal(1.0, 2.0), Uniform(0.0, 1.0)), (0.5, 0.5)), 1.0, 5.0, "cannot be moved"),
    ],
)
def test_impossible_intervals_are_refused_with_a_reason(
    distribution: Distribution, p5: float, p95: float, fragment: str
) -> None:
    with pytest.raises(IntervalError, match=fragment):
        stretch_to_interval(distribution, p5, p95)


def test_only_distributions_with_a_spread_have_a_movable_interval() -> None:
    assert movable_interval(Fixed(2.0)) is None
    assert movable_interval(Choice((1.0, 2.0), (0.97, 0.03))) is None
    assert movable_interval(Lognormal(3.0, 20.0)) == pytest.approx((3.0, 20.0))


# -- units in the page's texts -----------------------------------------------------------------------

E_NOTATION = re.compile(r"\de[+-]?\d")


@given(st.floats(-1e15, 1e15, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-9))
def test_quantities_are_never_in_e_notation(value: float) -> None:
    for unit in ("USD/year", "USD/GW/year", "x/year", "1", "months"):
        assert not E_NOTATION.search(quantity(value, unit)), quantity(value, unit)
    assert not E_NOTATION.search(plain_number(value))


def test_descriptions_carry_units() -> None:
    assert describe_distribution(Lognormal(1e10, 1.5e10), "USD/GW/year") == "lognormal, 5-95% $10B to $15B/GW/year"
    assert quantity_range(1e9, 2e9, "USD") == "$1B to $2B"
    mixture = Mixture((Uniform(1e9, 2e9), Fixed(3e9)), (3.0, 1.0))
    assert describe_distribution(mixture, "USD") == "mixture of 75% uniform, $1B to $2B; 25% $3B"


def test_slider_texts_have_units_and_the_presets_sources() -> None:
    default = bundled("default")
    sliders = {s["path"]: s for s in slider_states(tomllib.loads(bundled_text("default")), default)}
    cost = sliders["compute.cost_usd_per_gw_year"]
    assert cost["preset"] == "lognormal, 5-95% $10B to $15B/GW/year, median $12.2B/GW/year"
    assert "order 10 to 15 billion a year" in cost["preset_source"]
    assert sliders["demand.initial_usd_per_year"]["preset"] == "$10B/year"
    for state in sliders.values():
        assert not E_NOTATION.search(state["preset"]), state["preset"]
        assert state["low"] <= state["p5"] <= state["p95"] <= state["high"]
        assert state["uncertain"] == (state["p5"] < state["p95"])
    assert {path for path, s in sliders.items() if s["uncertain"] and not s["hidden"]} == {
        "demand.growth_per_year",
        "operations.gross_margin",
        "compute.cost_usd_per_gw_year",
    }


def test_preset_comments_skip_a_hash_inside_a_string() -> None:
    text = '[scenario]\nname = "a # b"  # the name\n[demand]\ngrowth_per_year = "3 to 20"\n[[x.y]]\nz = 1  # no\n'
    assert preset_comments(text) == {"scenario.name": "the name"}


# -- the API's "intervals" field ---------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(tmp_path / "runs.duckdb"), base_url="http://127.0.0.1", raise_server_exceptions=True
    ) as test_client:
        yield test_client


@pytest.fixture
def default_mapping() -> dict[str, Any]:
    return tomllib.loads(bundled_text("default"))


def _fan(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(v for v in body["fan"]["variables"] if v["name"] == name)


def _final_spread(body: dict[str, Any]) -> float:
    demand = _fan(body, "demand_usd_per_year")
    return float(demand["p95"][-1] / demand["p5"][-1])


def test_intervals_change_the_spread_of_the_results(client: TestClient, default_mapping: dict[str, Any]) -> None:
    def run(intervals: dict[str, list[float]] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"scenario": default_mapping, "draws": 2000, "seed": 5}
        if intervals is not None:
            body["intervals"] = intervals
        response = client.post("/api/simulate", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    base = run(None)
    same = run({"demand.growth_per_year": [3, 20]})  # the preset's own interval: the same run
    assert same["headline"] == base["headline"]
    narrow = run({"demand.growth_per_year": [7, 8.5]})
    wide = run({"demand.growth_per_year": [1.5, 40]})
    assert _final_spread(narrow) < _final_spread(base) < _final_spread(wide)
    # the same as the scenario with the stretched distribution written in
    edited = json.loads(json.dumps(default_mapping))
    edited["demand"]["growth_per_year"] = {"dist": "lognormal", "p5": 7, "p95": 8.5}
    direct = client.post("/api/simulate", json={"scenario": edited, "draws": 2000, "seed": 5}).json()
    assert direct["headline"] == narrow["headline"]


def test_intervals_reach_the_downloaded_file(client: TestClient, default_mapping: dict[str, Any]) -> None:
    body = {"scenario": default_mapping, "draws": 100, "seed": 1, "intervals": {"operations.gross_margin": [0.5, 0.7]}}
    response = client.post("/api/scenario.toml", json=body)
    assert response.status_code == 200, response.text
    margin = parse_scenario_text(response.text).operations.gross_margin
    assert isinstance(margin, Triangular)
    assert interval(margin) == pytest.approx((0.5, 0.7))


@pytest.mark.parametrize(
    ("intervals", "path", "fragment"),
    [
        ([3, 20], "intervals", "expected a JSON object"),
        ({"demand.no_such_key": [1, 2]}, "intervals.demand.no_such_key", "no such key"),
        ({"nowhere": [1, 2]}, "intervals.nowhere", "no such key"),
        ({"compute.lead_time_months": [6, 24]}, "intervals.compute.lead_time_months", "never uncertain"),
        ({"finance.starting_cash_usd": [1e10, 5e10]}, "intervals.finance.starting_cash_usd", "fixed number $30B"),
        ({"demand.growth_per_year": "3 to 20"}, "intervals.demand.growth_per_year", "'3 to 20' (string)"),
        ({"demand.growth_per_year": [3]}, "intervals.demand.growth_per_year", "expected [p5, p95]"),
        ({"demand.growth_per_year": [True, 4]}, "intervals.demand.growth_per_year", "expected [p5, p95]"),
        ({"demand.growth_per_year": [20, 3]}, "intervals.demand.growth_per_year", "20 x/year is not below"),
        ({"demand.growth_per_year": [0, 3]}, "intervals.demand.growth_per_year", "0 x/year is outside"),
        ({"operations.gross_margin": [0.5, 1.2]}, "intervals.operations.gross_margin", "1.2 is outside"),
    ],
)
def test_bad_intervals_get_422_naming_the_key_and_the_value(
    client: TestClient, default_mapping: dict[str, Any], intervals: Any, path: str, fragment: str
) -> None:
    for route in ("/api/simulate", "/api/scenario.toml", "/api/runs"):
        body = {"scenario": default_mapping, "draws": 100, "intervals": intervals}
        response = client.post(route, json=body)
        assert response.status_code == 422, response.text
        problems = response.json()["problems"]
        assert [p["path"] for p in problems] == [path]
        assert fragment in problems[0]["message"], problems[0]["message"]
        assert not E_NOTATION.search(problems[0]["message"]), problems[0]["message"]


def test_every_bad_interval_is_reported_at_once(client: TestClient, default_mapping: dict[str, Any]) -> None:
    intervals = {"demand.growth_per_year": [20, 3], "compute.cost_usd_per_gw_year": [0, 1e10]}
    response = client.post("/api/simulate", json={"scenario": default_mapping, "draws": 100, "intervals": intervals})
    assert response.status_code == 422
    assert sorted(p["path"] for p in response.json()["problems"]) == [
        "intervals.compute.cost_usd_per_gw_year",
        "intervals.demand.growth_per_year",
    ]


def test_apply_intervals_leaves_the_sent_mapping_alone(default_mapping: dict[str, Any]) -> None:
    before = json.loads(json.dumps(default_mapping))
    updated, problems, notes = apply_intervals(
        default_mapping, parse_scenario(default_mapping), {"compute.cost_usd_per_gw_year": [8e9, 2e10]}
    )
    assert (problems, notes) == ([], [])
    assert default_mapping == before
    assert updated is not None
    assert updated["compute"]["cost_usd_per_gw_year"] == {"dist": "lognormal", "p5": 8e9, "p95": 2e10}


def test_a_choice_preset_gets_two_handles_and_moves_its_values(client: TestClient) -> None:
    preset = client.get("/api/presets/bundled:one_trillion_bet_uncertain").json()
    growth = next(s for s in preset["sliders"] if s["path"] == "demand.growth_per_year")
    assert (growth["uncertain"], growth["p5"], growth["p95"]) == (True, 5.0, 10.0)
    assert growth["preset"].startswith("choice of 5 x/year (50%), 10 x/year (50%)")
    body = {"scenario": preset["scenario"], "draws": 100, "intervals": {"demand.growth_per_year": [4, 12]}}
    response = client.post("/api/scenario.toml", json=body)
    assert response.status_code == 200, response.text
    assert parse_scenario_text(response.text).demand.growth_per_year == Choice((4.0, 12.0), (0.5, 0.5))


# -- the intervals a key's bounds allow ---------------------------------------------------------------

MARGIN = field_spec("operations.gross_margin")  # in [0, 1]
COST = field_spec("compute.cost_usd_per_gw_year")  # >= 0, model range $1M to $100T/GW/year


@st.composite
def unit_bounded(draw: st.DrawFn) -> Distribution:
    """A bounded family whose support lies in [0, 1]: it fits the gross margin, and stretches can leave it."""
    low = draw(st.floats(0.0, 0.8))
    high = low + draw(st.floats(0.05, 1.0 - low))
    kind = draw(st.sampled_from(["uniform", "triangular", "beta", "choice", "truncnormal"]))
    if kind == "uniform":
        return Uniform(low, high)
    if kind == "triangular":
        return Triangular(low, low + draw(st.floats(0.0, 1.0)) * (high - low), high)
    if kind == "beta":
        return Beta(draw(st.floats(0.5, 8.0)), draw(st.floats(0.5, 8.0)), low, high)
    if kind == "truncnormal":
        return TruncNormal((low + high) / 2, (high - low) * draw(st.floats(0.1, 2.0)), low, high)
    return Choice((low, (low + high) / 2, high), (1.0, 1.0, 1.0))


def _accepted(distribution: Distribution, spec: FieldSpec, p5: float, p95: float) -> bool:
    """Whether the key takes ``distribution`` stretched to ``[p5, p95]`` as a scenario file would."""
    stretched = stretch_to_interval(distribution, p5, p95)
    parsed, problems = spec.parse(to_toml_value(stretched), "key")
    return parsed is not None and not problems


unit_points = (
    st.floats(0.0, 1.0)
    .flatmap(lambda a: st.tuples(st.just(a), st.floats(a, 1.0)))
    .filter(lambda pair: pair[1] - pair[0] > 1e-3)
)


@given(unit_bounded(), unit_points, st.lists(unit_points, min_size=1, max_size=8))
def test_the_nearest_allowed_interval_is_allowed_and_nearest(
    distribution: Distribution, asked: tuple[float, float], others: list[tuple[float, float]]
) -> None:
    assume(movable_interval(distribution) is not None)
    nearest = nearest_allowed_interval(distribution, MARGIN, *asked)
    assert nearest is not None
    assert nearest[0] < nearest[1]
    assert _accepted(distribution, MARGIN, *nearest), (asked, nearest)
    if _accepted(distribution, MARGIN, *asked):
        assert nearest == asked  # an allowed interval is kept as asked
    distance = math.dist(asked, nearest)
    for other in others:
        if _accepted(distribution, MARGIN, *other):  # no allowed interval is nearer (up to the margin kept)
            assert distance <= math.dist(asked, other) + 1e-8, (asked, nearest, other)


def test_the_nearest_interval_in_closed_form() -> None:
    # a uniform's support reaches 1/18 of its 5-95% interval past each end: [0.3, 0.99] would pass 1, and
    # the nearest allowed interval is the projection on the line B + (B - A)/18 = 1
    low, high = nearest_allowed_interval(Uniform(0.5, 0.7), MARGIN, 0.3, 0.99) or (math.nan, math.nan)
    v = 1.0 / 18.0
    excess = (1.0 + v) * 0.99 - v * 0.3 - 1.0
    step = excess / (v**2 + (1.0 + v) ** 2)
    assert (low, high) == pytest.approx((0.3 + v * step, 0.99 - (1.0 + v) * step), abs=1e-8)
    # too wide on both sides: the widest interval, the uniform on [0, 1]
    assert nearest_allowed_interval(Uniform(0.5, 0.7), MARGIN, 0.0, 1.0) == pytest.approx((0.05, 0.95), abs=1e-8)
    assert widest_allowed_interval(Uniform(0.5, 0.7), MARGIN) == pytest.approx((0.05, 0.95), abs=1e-8)
    # a lognormal price: only the model range bounds it, through its 1e-6 and 1 - 1e-6 quantiles
    widest = widest_allowed_interval(Lognormal(1e10, 1.5e10), COST)
    assert widest is not None
    assert _accepted(Lognormal(1e10, 1.5e10), COST, *widest)
    assert not _accepted(Lognormal(1e10, 1.5e10), COST, widest[0] * 0.99, widest[1] * 1.01)


def test_a_stretch_past_the_bounds_is_moved_and_said(client: TestClient, default_mapping: dict[str, Any]) -> None:
    body = {"scenario": default_mapping, "draws": 100, "intervals": {"operations.gross_margin": [0.3, 0.9]}}
    response = client.post("/api/scenario.toml", json=body)
    assert response.status_code == 200, response.text
    margin = parse_scenario_text(response.text).operations.gross_margin
    assert isinstance(margin, Triangular)
    assert margin.low >= 0.0
    assert margin.high <= 1.0
    expected = nearest_allowed_interval(Triangular(0.5, 0.6, 0.75), MARGIN, 0.3, 0.9)
    assert interval(margin) == pytest.approx(expected, abs=1e-9)
    assert "# intervals.operations.gross_margin: the 5-95% interval 0.3 to 0.9 would stretch" in response.text
    answer = client.post("/api/simulate", json=body)
    assert answer.status_code == 200, answer.text
    note = answer.json()["warnings"][0]
    assert note.startswith("intervals.operations.gross_margin: the 5-95% interval 0.3 to 0.9 would stretch")
    assert "moved to the nearest interval that keeps within them, 0.308 to 0.86" in note
    assert not E_NOTATION.search(note)


def _two_handle_sliders(name: str) -> list[dict[str, Any]]:
    """The two-handle sliders the page lets one move: shown and not disabled."""
    scenario = bundled(name)
    states = slider_states(tomllib.loads(bundled_text(name)), scenario)
    return [s for s in states if s["uncertain"] and not s["hidden"] and not s["disabled"]]


TWO_HANDLES = {name: _two_handle_sliders(name) for name in bundled_names()}


def test_the_sliders_report_what_the_handles_keep_to() -> None:
    margin = next(s for s in TWO_HANDLES["default"] if s["path"] == "operations.gross_margin")
    assert margin["interval_bounds"] == "in [0, 1]"
    widest = widest_allowed_interval(Triangular(0.5, 0.6, 0.75), MARGIN)
    assert margin["widest"] == pytest.approx(widest)
    assert margin["widest"][1] < margin["high"]  # the 95th percentile's handle reaches past what a stretch allows
    growth = next(s for s in TWO_HANDLES["default"] if s["path"] == "demand.growth_per_year")
    assert growth["widest"] is None  # a lognormal on (0, ...] may widen without end below


@st.composite
def handle_positions(draw: st.DrawFn, state: dict[str, Any]) -> list[float]:
    """Where the page's two handles may stand: on the slider's steps, at least one step apart, or the preset's."""
    low, high, step = state["low"], state["high"], state["step"]
    steps = math.floor((high - low) / step + 1e-9)
    lower = draw(st.one_of(st.just(state["p5"]), st.integers(0, steps - 1).map(lambda i: low + i * step)))
    upper = draw(
        st.one_of(
            st.just(state["p95"]),
            st.just(high),
            st.integers(0, steps).map(lambda i: low + i * step),
        )
    )
    lower, upper = min(lower, upper), max(lower, upper)
    if upper - lower < step * (1 - 1e-9):
        lower = upper - step  # the page keeps the 5th percentile one step below the 95th
    lower = max(lower, low)
    upper = max(upper, lower + step)
    return [lower * state["scale"], upper * state["scale"]]


@st.composite
def scenario_and_handles(draw: st.DrawFn) -> tuple[str, dict[str, list[float]]]:
    name = draw(st.sampled_from([name for name, sliders in TWO_HANDLES.items() if sliders]))
    moved = draw(st.lists(st.sampled_from(TWO_HANDLES[name]), min_size=1, unique_by=lambda s: s["path"]))
    return name, {state["path"]: draw(handle_positions(state)) for state in moved}


def test_every_bundled_scenario_has_two_handle_sliders_to_move() -> None:
    assert {name for name, sliders in TWO_HANDLES.items() if sliders} >= {"default", "one_trillion_bet_uncertain"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario_and_handles())
def test_no_handle_positions_within_the_sliders_are_refused(
    client: TestClient, moved: tuple[str, dict[str, list[float]]]
) -> None:
    name, intervals = moved
    body = {"scenario": tomllib.loads(bundled_text(name)), "draws": 100, "intervals": intervals}
    response = client.post("/api/scenario.toml", json=body)
    assert response.status_code == 200, (name, intervals, response.text)
    scenario = parse_scenario_text(response.text)
    for path, (p5, p95) in intervals.items():
        section, key = path.split(".")
        holder = scenario.policy if section == "policy" else getattr(scenario, section)
        got = interval(getattr(holder, key))
        said = f"# intervals.{path}: " in response.text
        if not said:  # kept as asked
            assert got == pytest.approx((p5, p95), rel=1e-9), (name, path, got, p5, p95)
        else:  # moved, and still ordered
            assert got[0] < got[1]

"""``simulate(outputs=...)`` keeps only the per-draw outputs asked for, and policy-free figures are computed once.

Every comparison is exact: keeping fewer outputs, or reusing the market's
demand of shared draws, changes no number that is kept.
"""

from __future__ import annotations

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.draws.sampling import sample_draws
from frontiersim.models import draw_plan
from frontiersim.models.engine import run_chunk
from frontiersim.models.policies import GrowthHedgePolicy
from frontiersim.results.build import kept_outputs, result_bytes
from frontiersim.scenario.overrides import with_overrides
from frontiersim.scenario.schema import Scenario
from frontiersim.simulate import draw_cache, memory_estimate_bytes, simulate

SEED = 20260101
KEPT = ("year_revenue_usd", "year_cash_usd", "model_net_usd", "obligations_after_horizon_usd")


@pytest.fixture(scope="module")
def default() -> Scenario:
    return fs.bundled("default")


@pytest.mark.parametrize(("chunk_size", "workers"), [(8192, 1), (300, 1), (400, 2)])
def test_kept_outputs_equal_those_of_a_full_run(default: Scenario, chunk_size: int, workers: int) -> None:
    full = simulate(default, draws=1200, seed=SEED, keep_monthly=False).dataset
    light = simulate(
        default, draws=1200, seed=SEED, keep_monthly=False, outputs=KEPT, chunk_size=chunk_size, workers=workers
    ).dataset
    outputs = {name for name in light.data_vars if not name.startswith("input.")}
    assert outputs == {*KEPT, "ruin_month"}
    for name in outputs:
        np.testing.assert_array_equal(light[name].values, full[name].values, strict=True)
    for name in [name for name in full.data_vars if name.startswith("input.")]:
        np.testing.assert_array_equal(light[name].values, full[name].values, strict=True)


def test_ruin_month_is_always_kept(default: Scenario) -> None:
    light = simulate(default, draws=50, seed=SEED, keep_monthly=False, outputs=["year_revenue_usd"])
    assert 0.0 <= light.ruin_probability() <= 1.0
    assert "year_cash_usd" not in light.dataset


def test_unknown_outputs_are_named_with_the_closest(default: Scenario) -> None:
    with pytest.raises(ValueError, match=r"'year_revenue' \(did you mean 'year_revenue_usd'\?\)") as error:
        simulate(default, draws=10, seed=1, outputs=["year_revenue", "cash_usd"])
    assert "'cash_usd'" in str(error.value)  # a monthly output is not a per-draw one
    assert "choose from" in str(error.value)


def test_fewer_outputs_are_counted_in_the_memory_estimate(default: Scenario) -> None:
    outputs = fs.models.catalogue(default)
    kept = kept_outputs(outputs, KEPT)
    assert kept == {*KEPT, "ruin_month"}
    parameters = len(draw_plan(default).parameter_names)
    full = result_bytes(default, 1000, False, parameters, outputs)
    light = result_bytes(default, 1000, False, parameters, outputs, kept)
    years = default.meta.horizon_years
    models = simulate(default, draws=2, seed=1, keep_monthly=False).dataset.sizes["model"]
    assert light == 8 * 1000 * (parameters + 1 + 2 * years + models + 2)
    assert full > 3 * light
    assert memory_estimate_bytes(default, 1000, False, kept=kept) < memory_estimate_bytes(default, 1000, False)


def test_the_market_demand_of_shared_draws_is_computed_once(default: Scenario) -> None:
    cache = draw_cache(default)
    low, high = GrowthHedgePolicy(3.0, 0.6), GrowthHedgePolicy(3.0, 1.2)
    plain = simulate(default, draws=600, seed=SEED, keep_monthly=False, policy=low).dataset
    first = simulate(default, draws=600, seed=SEED, keep_monthly=False, draws_cache=cache, policy=low)
    (kept,) = cache._chunks.values()
    memo = dict(kept.memo)
    assert {"market_demand", "raise_uniforms"} <= set(memo)
    other = simulate(default, draws=600, seed=SEED, keep_monthly=False, draws_cache=cache, policy=high)
    assert all(kept.memo[name][1] is memo[name][1] for name in memo)  # reused, not computed again
    assert not memo["market_demand"][1].flags.writeable
    np.testing.assert_array_equal(first.dataset["year_revenue_usd"].values, plain["year_revenue_usd"].values)
    fresh = simulate(default, draws=600, seed=SEED, keep_monthly=False, policy=high).dataset
    for name in ("year_revenue_usd", "year_cash_usd", "model_net_usd", "ruin_month"):
        np.testing.assert_array_equal(other.dataset[name].values, fresh[name].values, strict=True)


def test_the_memo_is_not_reused_for_another_scenario(default: Scenario) -> None:
    draws = sample_draws(default, 0, 200, SEED, draw_plan(default))
    run_chunk(default, draws, keep_monthly=False, engine="numba")
    capped = with_overrides(default, {"demand.ceiling_usd_per_year": 3.0e10})  # the same draws, a capped market
    again = run_chunk(capped, draws, keep_monthly=False, engine="numba")
    fresh = run_chunk(capped, sample_draws(capped, 0, 200, SEED, draw_plan(capped)), keep_monthly=False, engine="numba")
    np.testing.assert_array_equal(again.by_year["year_demand_usd"], fresh.by_year["year_demand_usd"], strict=True)
    assert again.by_year["year_demand_usd"].max() <= 3.0e10 * (1 + 1e-12)

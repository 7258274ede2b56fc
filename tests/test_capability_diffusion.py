"""Capability and diffusion kernels against closed forms and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from frontiersim.experimental.kernels import logistic_adoption_closed_form, logistic_step, reagents_capability
from frontiersim.models.capability import (
    DEFAULT_MILESTONES,
    CapabilityDemand,
    capability_index,
    effective_compute,
    milestone_arrival_months,
)
from frontiersim.models.demand import DemandDriver
from frontiersim.models.diffusion import (
    CONSUMER,
    DEFAULT_SEGMENTS,
    ENTERPRISE,
    Segment,
    bass_adoption_closed_form,
    bass_step,
    combine_segments,
    segment_adoption_closed_form,
)

# --- diffusion -----------------------------------------------------------------------------------------------------


def test_bass_closed_form_endpoints() -> None:
    p, q = 0.03, 0.4
    assert bass_adoption_closed_form(0.0, p, q) == 0.0
    assert bass_adoption_closed_form(200.0, p, q) == pytest.approx(1.0, abs=1e-12)
    # initial adoption rate is p; peak adoption time is ln(q/p)/(p+q) (Bass 1969)
    h = 1e-7
    assert float(bass_adoption_closed_form(h, p, q)) / h == pytest.approx(p, rel=1e-5)
    t = np.linspace(0.0, 30.0, 30001)
    rate = np.diff(bass_adoption_closed_form(t, p, q))
    assert t[np.argmax(rate)] == pytest.approx(math.log(q / p) / (p + q), abs=2e-3)


@pytest.mark.parametrize(("p", "q"), [(0.03, 0.38), (0.2, 1.5), (0.05, 0.0), (1.0, 3.0)])
def test_bass_monthly_steps_match_closed_form(p: float, q: float) -> None:
    """With a fixed ceiling, 240 monthly exact steps equal the closed form (tolerance 1e-12 absolute)."""
    ceiling = 1.0
    level = 0.0
    for month in range(1, 241):
        level = float(bass_step(level, ceiling, p, q, 1.0 / 12.0))
        expected = float(bass_adoption_closed_form(month / 12.0, p, q))
        assert level == pytest.approx(expected, abs=1e-12)


def test_bass_step_is_vectorized_and_scale_invariant() -> None:
    p = np.array([0.01, 0.05, 0.3])
    q = np.array([0.2, 0.8, 2.0])
    months = np.arange(1, 61)
    level = np.zeros(3)
    path = []
    for _ in months:
        level = bass_step(level * 1e9, 1e9, p, q, 1.0 / 12.0) / 1e9
        path.append(level)
    expected = bass_adoption_closed_form(months[:, None] / 12.0, p[None, :], q[None, :])
    np.testing.assert_allclose(np.array(path), expected, rtol=1e-11, atol=1e-14)


def test_bass_step_follows_the_ode_with_a_moved_ceiling() -> None:
    """For a short step, (F' - F)/dt equals (p + qF/M)(M - F) at the new ceiling, including F > M."""
    p, q, dt = 0.05, 0.9, 1e-7
    adopted = np.array([0.0, 1.0, 5.0, 9.0, 12.0, 30.0])
    ceiling = np.array([10.0, 10.0, 20.0, 10.0, 10.0, 15.0])
    slope = (bass_step(adopted, ceiling, p, q, dt) - adopted) / dt
    expected = (p + q * adopted / ceiling) * (ceiling - adopted)
    np.testing.assert_allclose(slope, expected, rtol=1e-5, atol=1e-6)


def test_bass_step_edge_cases() -> None:
    # nobody to imitate and no innovation: stays at zero; zero ceiling: zero
    assert bass_step(0.0, 1.0, 0.0, 0.5, 1.0) == 0.0
    assert bass_step(0.0, 1.0, 0.0, 0.0, 1.0) == 0.0
    assert bass_step(3.0, 0.0, 0.1, 0.5, 1.0) == 0.0
    # a ceiling below adoption: decays towards it but never below it, no overshoot
    level = 10.0
    for _ in range(600):
        new = float(bass_step(level, 4.0, 0.05, 0.5, 1.0 / 12.0))
        assert 4.0 <= new <= level
        level = new
    assert level == pytest.approx(4.0, rel=1e-6)
    # monotone in the ceiling and in the starting point
    assert bass_step(1.0, 2.0, 0.1, 0.5, 0.5) < bass_step(1.0, 3.0, 0.1, 0.5, 0.5)
    assert bass_step(1.0, 3.0, 0.1, 0.5, 0.5) < bass_step(1.5, 3.0, 0.1, 0.5, 0.5)


def test_logistic_alternative() -> None:
    r, t0 = 1.2, 3.0
    assert logistic_adoption_closed_form(t0, r, t0) == pytest.approx(0.5)
    level = float(logistic_adoption_closed_form(0.0, r, t0))
    for month in range(1, 121):
        level = float(logistic_step(level, 1.0, r, 1.0 / 12.0))
        assert level == pytest.approx(float(logistic_adoption_closed_form(month / 12.0, r, t0)), abs=1e-12)
    assert logistic_step(0.0, 1.0, r, 1.0) == 0.0
    assert np.isfinite(logistic_adoption_closed_form(-1e4, r, t0))


def test_segments_combine() -> None:
    assert sum(s.value_share for s in DEFAULT_SEGMENTS) == pytest.approx(1.0)
    assert ENTERPRISE.gross_margin > CONSUMER.gross_margin
    assert ENTERPRISE.volatility_per_sqrt_year < CONSUMER.volatility_per_sqrt_year
    totals = combine_segments([np.array([3.0, 0.0]), np.array([1.0, 0.0])], [ENTERPRISE, CONSUMER])
    np.testing.assert_allclose(totals.adopted, [4.0, 0.0])
    # adoption-weighted where something is adopted, value-share-weighted otherwise
    np.testing.assert_allclose(totals.gross_margin, [0.75 * 0.7 + 0.25 * 0.4, 0.7 * 0.7 + 0.3 * 0.4])
    assert totals.volatility_per_sqrt_year[0] == pytest.approx(math.hypot(0.75 * 0.2, 0.25 * 0.6))
    with pytest.raises(ValueError, match="one adoption array per segment"):
        combine_segments([np.ones(2)], [ENTERPRISE, CONSUMER])
    with pytest.raises(ValueError, match="gross margin"):
        Segment("x", 0.1, 0.1, 0.1, 1.5, 0.5)


def test_segment_closed_form_matches_stepped_segments() -> None:
    levels = [0.0 for _ in DEFAULT_SEGMENTS]
    for month in range(1, 61):
        levels = [
            float(bass_step(f, s.value_share, s.innovation_per_year, s.imitation_per_year, 1.0 / 12.0))
            for f, s in zip(levels, DEFAULT_SEGMENTS, strict=True)
        ]
        assert sum(levels) == pytest.approx(float(segment_adoption_closed_form(month / 12.0, DEFAULT_SEGMENTS)))
    # consumers (higher p, q) are further along than enterprises early on
    assert levels[1] / CONSUMER.value_share > levels[0] / ENTERPRISE.value_share


# --- capability ----------------------------------------------------------------------------------------------------


def test_effective_compute_halving() -> None:
    doubling = np.array([8.0, 12.0])
    # after one doubling time the same physical compute is worth twice as much
    np.testing.assert_allclose(effective_compute(1e25, doubling, doubling), [2e25, 2e25])
    # equivalently half the physical compute buys what the full amount bought at month 0
    np.testing.assert_allclose(effective_compute(0.5e25, doubling, doubling), effective_compute(1e25, 0.0, doubling))
    assert effective_compute(1.0, 24.0, 8.0) == pytest.approx(8.0)
    assert effective_compute(0.0, 24.0, 8.0) == 0.0


def test_capability_index_log_linear() -> None:
    assert capability_index(1e26, 1e26, 1.3) == 0.0
    assert capability_index(1e27, 1e26, 1.3) == pytest.approx(1.3)
    assert capability_index(1e24, 1e26, 1.0) == pytest.approx(-2.0)
    # each 10x adds the same increment
    flop = 1e24 * 10.0 ** np.arange(6)
    np.testing.assert_allclose(np.diff(capability_index(flop, 1e24, 0.7)), 0.7)
    assert capability_index(0.0, 1.0, 1.0) == -np.inf


@pytest.mark.parametrize("rho", [-np.inf, -5.0, -1.0, -0.3, 0.0, 0.5, 1.0])
def test_reagents_reduce_to_log_linear_when_unconstrained(rho: float) -> None:
    scale = np.logspace(-3, 8, 23)
    got = reagents_capability(scale, scale, scale, weights=(0.5, 0.3, 0.2), rho=rho, slope_per_decade=1.7)
    expected = capability_index(scale * 3e25, 3e25, 1.7)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_reagents_one_input_alone_runs_short() -> None:
    huge = 1e9
    # Leontief: the scarcest reagent binds
    assert reagents_capability(huge, 1.0, 1.0, rho=-np.inf) == 0.0
    assert reagents_capability(100.0, 10.0, 1000.0, rho=-np.inf) == pytest.approx(1.0)
    # CES with rho = -1, equal weights: X -> (2/3)^-1 = 1.5 as compute alone grows
    alone = float(reagents_capability(huge, 1.0, 1.0, rho=-1.0))
    assert alone == pytest.approx(math.log10(1.5), rel=1e-6)
    assert alone < float(capability_index(huge, 1.0, 1.0)) / 10
    # Cobb-Douglas: compute alone moves capability only by its weight
    assert reagents_capability(1000.0, 1.0, 1.0, rho=0.0) == pytest.approx(1.0)
    # a missing reagent gives no capability for complements
    assert reagents_capability(10.0, 0.0, 10.0, rho=-1.0) == -np.inf
    assert np.isfinite(reagents_capability(10.0, 0.0, 10.0, rho=0.5))
    with pytest.raises(ValueError, match="rho"):
        reagents_capability(1.0, 1.0, 1.0, rho=2.0)


def test_milestones_first_crossing() -> None:
    path = np.array(
        [
            [0.0, 0.4, 0.6, 0.3, 1.2, 2.0],  # crosses 0.5 at 2, dips, crosses 1.0 at 4
            [0.7, 0.8, 0.9, 0.9, 0.9, 0.9],  # above 0.5 from month 0, never reaches 1.0
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.5],  # reaches 0.5 exactly in the last month
        ]
    )
    got = milestone_arrival_months(path, {"half": 0.5, "one": 1.0, "never": 10.0})
    np.testing.assert_array_equal(got["half"], [2, 0, 5])
    np.testing.assert_array_equal(got["one"], [4, -1, -1])
    np.testing.assert_array_equal(got["never"], [-1, -1, -1])
    assert got["half"].dtype == np.int64
    with pytest.raises(ValueError, match="shape"):
        milestone_arrival_months(path[0], {"half": 0.5})


def test_default_milestones_are_an_ordered_ladder() -> None:
    values = list(DEFAULT_MILESTONES.values())
    assert len(values) == 6
    assert values == sorted(values)
    assert len(set(values)) == 6
    assert list(DEFAULT_MILESTONES)[-1] == "country_of_geniuses_in_a_data_center"
    with pytest.raises(TypeError):
        DEFAULT_MILESTONES["x"] = 1.0  # type: ignore[index]


# --- capability-driven demand --------------------------------------------------------------------------------------

FLOP_PER_GW_MONTH = 7e26


def make_demand(draws: int, **overrides: object) -> CapabilityDemand:
    params: dict[str, object] = {
        "initial_training_flop": 3e26,
        "flop_per_gw_month": FLOP_PER_GW_MONTH,
        "efficiency_doubling_months": 8.0,
        "slope_per_decade": 1.0,
        "initial_addressable_usd_per_year": 1e11,
        "value_multiple_per_tier": 10.0,
        "initial_deployed_usd_per_year": 1e10,
        "draws": draws,
    }
    params.update(overrides)
    return CapabilityDemand(**params)  # type: ignore[arg-type]


def run(driver: CapabilityDemand, training_gw: np.ndarray, months: int) -> np.ndarray:
    out = []
    last = np.zeros(driver.draws)
    for month in range(months):
        out.append(driver.demand_usd_per_year(month, last))
        last = training_gw
    return np.stack(out, axis=1)


def test_capability_demand_closes_the_loop() -> None:
    training = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    driver = make_demand(5)
    as_driver: DemandDriver = driver  # satisfies the protocol (checked by mypy)
    assert callable(as_driver.demand_usd_per_year)
    demand = run(driver, training, 48)
    index = driver.capability_index_path
    assert demand.shape == index.shape == (5, 48)
    # month 0: the initial state, identical across draws
    np.testing.assert_allclose(demand[:, 0], 1e10)
    np.testing.assert_allclose(index[:, 0], 0.0)
    # more training compute -> higher capability -> more demand, every month after the first compute lands
    assert np.all(np.diff(index[:, 2:], axis=0) > 0)
    assert np.all(np.diff(demand[:, 2:], axis=0) > 0)
    # and over time for every draw
    assert np.all(np.diff(index, axis=1) > 0)
    assert np.all(np.diff(demand, axis=1) > 0)
    # overhang is addressable / deployed; starts at 10x (news interview at the World Economic Forum, Davos, 2026-01)
    addressable = np.stack(driver.addressable_usd_per_year_history, axis=1)
    np.testing.assert_allclose(driver.overhang_path, addressable / demand, rtol=1e-12)
    np.testing.assert_allclose(driver.overhang_path[:, 0], 10.0)
    # hand check of the last month's capability for 1 GW of training
    cumulative = 3e26 + 47 * FLOP_PER_GW_MONTH
    assert index[2, -1] == pytest.approx(math.log10(cumulative * 2 ** (47 / 8) / 3e26), rel=1e-12)
    # 10x value per tier at one tier per decade: addressable value is proportional to effective compute
    assert addressable[2, -1] == pytest.approx(1e11 * cumulative * 2 ** (47 / 8) / 3e26, rel=1e-10)


def test_capability_demand_zero_training_is_finite() -> None:
    driver = make_demand(3, efficiency_doubling_months=np.array([6.0, 8.0, 12.0]))
    demand = run(driver, np.zeros(3), 60)
    assert np.all(np.isfinite(demand))
    assert np.all(demand > 0)
    assert np.all(np.isfinite(driver.overhang_path))
    assert np.all(driver.overhang_path > 0)
    # only algorithmic progress moves capability: index = log10 2^(t/T)
    months = np.arange(60)
    expected = months[None, :] / np.array([6.0, 8.0, 12.0])[:, None] * math.log10(2.0)
    np.testing.assert_allclose(driver.capability_index_path, expected, rtol=1e-12, atol=1e-15)


def test_capability_demand_with_fixed_ceiling_is_bass() -> None:
    """With no capability growth the single-segment driver follows the Bass closed form."""
    segment = Segment("all", 0.1, 0.8, 0.0, 0.6, 1.0)
    driver = make_demand(
        1, slope_per_decade=0.0, flop_per_gw_month=0.0, initial_deployed_usd_per_year=2e10, segments=(segment,)
    )
    demand = run(driver, np.ones(1), 36)[0]
    p, q, f0 = 0.1, 0.8, 0.2
    t0 = -math.log((1 - f0) / (1 + f0 * q / p)) / (p + q)  # the closed form's time at f0
    expected = 1e11 * bass_adoption_closed_form(t0 + np.arange(36) / 12.0, p, q)
    np.testing.assert_allclose(demand, expected, rtol=1e-12)


def test_capability_demand_validates() -> None:
    driver = make_demand(2)
    driver.demand_usd_per_year(0, np.zeros(2))
    with pytest.raises(ValueError, match="in order"):
        driver.demand_usd_per_year(2, np.zeros(2))
    with pytest.raises(ValueError, match="initial_deployed"):
        make_demand(2, initial_deployed_usd_per_year=0.0)
    with pytest.raises(ValueError, match="efficiency_doubling_months"):
        make_demand(2, efficiency_doubling_months=np.array([8.0, -1.0]))

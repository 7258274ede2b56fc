"""Adding a component touches its own module and one registry line: here, a test adds it.

``docs/extending.md`` walks through :class:`frontiersim.experimental.TrainingFlop`;
these tests add it to the month's slots, as the guide does, and check that its
section is read and validated, its keys are sampled up front, its outputs are
recorded with their units, and nothing else in the run changes.
"""

from __future__ import annotations

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.experimental import HardwareSpec, TrainingFlop
from frontiersim.models.registry import SLOTS, Slot, catalogue, draw_plan, extension_sections
from frontiersim.scenario import ScenarioError, bundled_text, parse_scenario_text
from frontiersim.testing import assert_accounting_identities

#: The one line the guide adds to the registry, here added by the test.
WITH_HARDWARE = (*SLOTS, Slot.always("hardware", TrainingFlop))


def scenario(extra: str = "", name: str = "default") -> fs.Scenario:
    return parse_scenario_text(bundled_text(name) + extra, extra_sections=extension_sections(WITH_HARDWARE))


def test_the_section_is_declared_by_the_component_and_has_defaults() -> None:
    assert extension_sections(WITH_HARDWARE) == {"hardware": HardwareSpec}
    assert extension_sections(SLOTS) == {}
    assert scenario().section("hardware") == HardwareSpec()


def test_its_keys_are_validated_like_any_section() -> None:
    with pytest.raises(ScenarioError) as error:
        scenario("\n[hardware]\nflop_per_gw_month = -1\nflop_per_gw_growht_per_year = 1.3\n")
    paths = [problem.path for problem in error.value.problems]
    assert paths == ["hardware.flop_per_gw_growht_per_year", "hardware.flop_per_gw_month"]
    with pytest.raises(ScenarioError, match="hardware"):  # without the component, the section is unknown
        parse_scenario_text(bundled_text("default") + "\n[hardware]\nflop_per_gw_month = 7e26\n")


def test_its_keys_are_sampled_up_front_and_shift_no_other_stream() -> None:
    with_hardware = draw_plan(scenario(), WITH_HARDWARE)
    without = draw_plan(fs.bundled("default"))
    added = [name for name in with_hardware.parameter_names if name not in without.parameter_names]
    assert added == ["hardware.flop_per_gw_month", "hardware.flop_per_gw_growth_per_year"]
    assert with_hardware.shocks == without.shocks


def test_outputs_are_recorded_with_their_units_and_yearly_rules() -> None:
    outputs = catalogue(scenario(), WITH_HARDWARE)
    assert outputs.unit("training_flop") == "FLOP"
    assert outputs.spec("year_cumulative_training_flop").label == "cumulative training FLOP"
    result = fs.simulate(scenario(), draws=200, seed=3, slots=WITH_HARDWARE)
    dataset = result.lab_dataset()
    assert dataset["training_flop"].attrs["units"] == "FLOP"
    monthly = dataset["training_flop"].values
    np.testing.assert_allclose(dataset["year_training_flop"].values, monthly.reshape(200, -1, 12).sum(axis=2))
    np.testing.assert_allclose(dataset["year_cumulative_training_flop"].values[:, -1], monthly.sum(axis=1))
    # F = G f0 h^(t/12), month by month
    f0 = dataset["input.hardware.flop_per_gw_month"].values[:, None]
    h = dataset["input.hardware.flop_per_gw_growth_per_year"].values[:, None]
    months = np.arange(dataset.sizes["month"])
    np.testing.assert_allclose(monthly, dataset["training_gw"].values * f0 * h ** (months / 12.0), rtol=1e-12)
    assert_accounting_identities(result)


@pytest.mark.parametrize("name", ["default", "four_labs"])
def test_the_rest_of_the_run_is_unchanged(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A run with a component of its own steps on the numpy components; so does the plain run compared with it
    # (the compiled engine agrees with them to 1e-12, not to the bit: tests/test_kernels.py).
    monkeypatch.setenv("FRONTIERSIM_ENGINE", "numpy")
    plain = fs.simulate(fs.bundled(name), draws=150, seed=5).dataset
    extended = fs.simulate(scenario(name=name), draws=150, seed=5, slots=WITH_HARDWARE).dataset
    for variable in plain.data_vars:
        np.testing.assert_array_equal(plain[variable].values, extended[variable].values, err_msg=str(variable))
    assert set(extended.data_vars) - set(plain.data_vars) == {
        "training_flop",
        "cumulative_training_flop",
        "year_training_flop",
        "year_cumulative_training_flop",
        "input.hardware.flop_per_gw_month",
        "input.hardware.flop_per_gw_growth_per_year",
    }
    assert extended["training_flop"].dims == ("draw", "lab", "month")

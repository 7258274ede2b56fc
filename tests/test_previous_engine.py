"""With one lab, the engine of components and labs gives the numbers of the single-lab engine before it.

``data/previous_engine.npz`` holds, for every scenario bundled with that
engine (commit de4c597), its scenario text and its yearly, per-model and
per-draw results for 64 draws, seed 7 (``data/make_previous_engine.py`` writes
it). Here each scenario text runs on the current engine.

Which numbers are identical, and which are not:

* **Identical**, on the numpy engine (``FRONTIERSIM_ENGINE=numpy``; the
  compiled engine agrees with it to 1e-12), in every bundled scenario: every result both
  engines have (yearly figures, per-model P&L, ruin months, obligations, the
  capability index, overhang and milestones), since the draw layout of a
  single lab is unchanged: the same streams, named alike, in the same blocks.
  Integers (months) are identical everywhere; floats are identical bit for bit
  on a CPU of the kind the archive was written on, and within 1e-13 of each
  output's largest magnitude on others: numpy picks its ``exp``, ``log`` and
  ``power`` by CPU (its AVX-512 code is not glibc's, which its AVX2 build
  calls), and they may differ in the last bit (measured: 4.5e-15 at most, on an
  AVX2 machine, against an archive written with AVX-512).
* **No longer sampled**: in path-demand scenarios the three growth keys the
  path does not use (``demand.initial_usd_per_year``, ``growth_per_year``,
  ``growth_persistence_per_year``). The components sample only the keys they
  read; no other stream moves.
* **New**: the ``lab`` dimension, the market's demand and each lab's share,
  and yearly inference and training compute.

Later models changed what a scenario means when it leaves a key out (the
split is a decision with a floor, policies renew what lapses, rounds depend
on growth, releases every three months, the wage bill as ceiling). Each old
scenario text is therefore run with the settings of that engine for the
keys it leaves out (:data:`frontiersim.testing.previous.PREVIOUS_SETTINGS`): the engine still reproduces
it bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.testing.previous import with_previous_settings

ARCHIVE = Path(__file__).with_name("data") / "previous_engine.npz"
DRAWS, SEED = 64, 7

#: Inputs the previous engine sampled in path mode although the path does not use them (the
#: growth persistence is read again, by the run-off after the horizon).
UNUSED_IN_PATH_MODE = {
    "input.demand.initial_usd_per_year",
    "input.demand.growth_per_year",
}


def _previous() -> dict[str, dict[str, np.ndarray]]:
    by_scenario: dict[str, dict[str, np.ndarray]] = {}
    with np.load(ARCHIVE) as archive:
        for key in archive.files:
            scenario, variable = key.split("/", 1)
            by_scenario.setdefault(scenario, {})[variable] = archive[key]
    return by_scenario


PREVIOUS = _previous()


def test_the_archive_covers_the_scenarios_bundled_then() -> None:
    assert set(PREVIOUS) == set(fs.bundled_names()) - {"four_labs"}


@pytest.mark.parametrize("name", sorted(PREVIOUS))
def test_one_lab_reproduces_the_previous_engine(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The numpy components, the reference (to the last bit of numpy's exp, log and pow on this CPU: see the
    # module notes); the compiled engine agrees with them to 1e-12 of each output's largest magnitude
    # (tests/test_kernels.py).
    monkeypatch.setenv("FRONTIERSIM_ENGINE", "numpy")
    previous = PREVIOUS[name]
    scenario = with_previous_settings(str(previous.pop("scenario.toml")))
    result = fs.simulate(scenario, draws=DRAWS, seed=SEED, keep_monthly=False)
    (lab,) = result.labs
    current = result.lab_dataset(lab)
    missing = set(previous) - set(current.data_vars)
    if scenario.demand.kind == "path":
        assert missing == UNUSED_IN_PATH_MODE
    else:
        assert not missing
    compared = 0
    for variable, values in previous.items():
        if variable in missing:
            continue
        now = current[variable].values
        if values.dtype.kind == "f":
            finite = np.isfinite(values)
            np.testing.assert_array_equal(np.isfinite(now), finite, err_msg=f"{name}: {variable}")
            largest = float(np.abs(values[finite]).max()) if finite.any() else 0.0
            np.testing.assert_allclose(
                now[finite], values[finite], rtol=0, atol=1e-13 * largest, err_msg=f"{name}: {variable}"
            )
            np.testing.assert_array_equal(now[~finite], values[~finite], err_msg=f"{name}: {variable}")
        else:
            np.testing.assert_array_equal(now, values, err_msg=f"{name}: {variable}")
        compared += 1
    assert compared >= 20

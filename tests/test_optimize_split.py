"""The training share searched jointly with the buying policy."""

from __future__ import annotations

import pytest

import frontiersim as fs
from four_labs import four_lab_scenario
from frontiersim.cli.main import main
from frontiersim.optimize.split import optimize_training_share, with_training_share
from frontiersim.scenario.distributions import Fixed


def test_a_share_is_planned_and_kept_by_the_allocation_and_the_policy() -> None:
    scenario = with_training_share(fs.bundled("default"), 0.4)
    (lab,) = scenario.labs
    assert lab.operations.allocation_rule == "target_share"
    assert lab.operations.target_training_share == Fixed(0.4)
    assert lab.operations.min_training_share == Fixed(0.4)
    assert lab.policy.target_training_share == 0.4
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        with_training_share(scenario, 1.0)


def test_only_the_chosen_lab_changes() -> None:
    scenario = four_lab_scenario()
    names = scenario.lab_names
    changed = with_training_share(scenario, 0.6, names[1])
    for before, after in zip(scenario.labs, changed.labs, strict=True):
        if after.name == names[1]:
            assert after.operations.min_training_share == Fixed(0.6)
            assert getattr(after.policy, "target_training_share", 0.6) == 0.6
        else:
            assert after.operations == before.operations
            assert after.policy == before.policy


def test_the_best_share_has_the_best_confirmed_objective() -> None:
    search = optimize_training_share(
        fs.bundled("default"), "hedge", [0.3, 0.6], draws=300, validation_draws=600, candidates=4, max_ruin=0.2
    )
    table = search.table()
    assert list(table["training_share"]) == [0.3, 0.6]
    assert table["best"].sum() == 1
    feasible = table[table["feasible"] & table["confirmed"]]
    assert search.best_share == float(feasible.loc[feasible["objective_mean_usd"].idxmax(), "training_share"])
    # each share's scenario keeps its share; the recommended result is that scenario's
    assert search.best is search.results[search.best_share]
    assert search.scenarios[0.6].operations.min_training_share == Fixed(0.6)
    with pytest.raises(ValueError, match="repeat"):
        optimize_training_share(fs.bundled("default"), "hedge", [0.3, 0.3])


def test_cli_searches_the_share(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "optimize",
            "default",
            "--training-shares",
            "0.3,0.6",
            "--draws",
            "300",
            "--validation-draws",
            "600",
            "--candidates",
            "4",
            "--max-ruin",
            "0.2",
            "--no-save",
            "--no-store",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "Training share searched with the policy" in out
    assert "<- recommended" in out
    with pytest.raises(SystemExit) as exit_info:
        main(["optimize", "default", "--training-shares", "0.3,1.2", "--no-store"])
    assert exit_info.value.code == 2
    assert "expected a number in [0, 1), got 1.2" in capsys.readouterr().err

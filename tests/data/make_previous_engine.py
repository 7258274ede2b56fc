"""Write ``previous_engine.npz``: results of the single-lab engine before components and labs.

Run from the repository root with the source tree of that engine on the path,
e.g. for commit de4c597::

    mkdir -p /tmp/previous && git archive de4c597 src/frontiersim | tar -x -C /tmp/previous
    PYTHONPATH=/tmp/previous/src python tests/data/make_previous_engine.py

Each bundled scenario of that engine is simulated with 64 draws and seed 7
(summary only), and its scenario text, yearly, per-model and per-draw results
are stored, so that ``tests/test_previous_engine.py`` can run the same
scenario text on the current engine and compare.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import frontiersim as fs

DRAWS, SEED = 64, 7


def main() -> None:
    """Simulate every bundled scenario and write the archive beside this script."""
    arrays: dict[str, np.ndarray] = {}
    for name in fs.bundled_names():
        text = fs.scenario.bundled_text(name)
        dataset = fs.simulate(fs.parse_scenario_text(text), draws=DRAWS, seed=SEED, keep_monthly=False).dataset
        arrays[f"{name}/scenario.toml"] = np.array(text)
        for variable in dataset.data_vars:
            arrays[f"{name}/{variable}"] = dataset[variable].values
    np.savez_compressed(Path(__file__).with_name("previous_engine.npz"), **arrays)
    print(f"{fs.__file__}: {len(arrays)} arrays")


if __name__ == "__main__":
    main()

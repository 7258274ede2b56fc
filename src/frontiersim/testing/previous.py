"""Scenario texts of an earlier engine, read with that engine's settings for the keys they leave out.

Later models changed what a scenario means when it leaves a key out: the
split of compute became a decision with a floor of training, policies renew
the contracts that lapse within their planning window, rounds depend on the
growth of revenue, models are released every three months, hardware
improves, and the demand ceiling is the wage bill. An old scenario text,
with the settings below for the keys it leaves out, is the model it was: the
engine reproduces its numbers bit for bit (``tests/test_previous_engine.py``),
and ``benchmarks/bench_engine.py`` times both engines on the same work.
"""

from __future__ import annotations

import tomllib
from typing import Any

from frontiersim.scenario.loader import parse_scenario
from frontiersim.scenario.schema import Scenario

#: The earlier engine's behaviour, for keys an old scenario text leaves out.
PREVIOUS_SETTINGS: dict[str, dict[str, Any]] = {
    "demand": {
        "delay_months": {"dist": "choice", "values": [0, 12], "weights": [0.8, 0.2]},
        "ceiling_usd_per_year": 1.1e14,
    },
    "compute": {"planning_window_months": 0, "flop_per_gw_growth_per_year": 1.0},
    "operations": {"allocation_rule": "residual", "min_training_share": 0.0},
    "models": {"release_interval_months": 6, "first_release_month": 6},
    "finance": {"raise_growth_elasticity": 0.0},
}

#: Keys refused in capability mode (growth keys), which its scenarios leave out.
_GROWTH_ONLY = frozenset({"delay_months"})


def with_previous_settings(text: str, source: str = "<previous scenario>") -> Scenario:
    """An old scenario text, with the earlier engine's settings for the keys it leaves out.

    Parameters
    ----------
    text : str
        The scenario as TOML.
    source : str
        Name used in error messages.

    Returns
    -------
    Scenario
    """
    data = tomllib.loads(text)
    capability = data.get("demand", {}).get("kind") == "capability"
    for section, keys in PREVIOUS_SETTINGS.items():
        table = data.setdefault(section, {})
        for key, value in keys.items():
            if not (capability and key in _GROWTH_ONLY):
                table.setdefault(key, value)
    return parse_scenario(data, source)

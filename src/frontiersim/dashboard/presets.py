"""Presets of the dashboard: the bundled scenarios and the runs in the run store.

A preset id is ``bundled:<name>`` for a scenario shipped with frontiersim
(the default and the worked examples) or ``run:<run id>`` for a stored run.
Ids are looked up, never used as file paths.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontiersim.models.registry import extension_sections
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.loader import bundled, bundled_names, bundled_text, parse_scenario
from frontiersim.scenario.schema import Scenario

#: The shape of a preset id; anything else is unknown (404).
_PRESET_ID = re.compile(r"(bundled|run):([A-Za-z0-9_.-]{1,100})")

#: Stored records of these kinds hold a scenario the dashboard can load.
_RUN_KINDS = ("run", "optimize", "frontier")

#: How long listing presets waits for another process holding the store (seconds).
LIST_LOCK_TIMEOUT_SECONDS = 5.0


class PresetError(Exception):
    """A preset that does not exist or cannot be loaded.

    Attributes
    ----------
    status : int
        404 for an unknown id, 422 for a stored scenario that no longer validates.
    """

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Preset:
    """A loaded preset: its scenario as a mapping and validated."""

    preset_id: str
    label: str
    mapping: dict[str, Any]
    scenario: Scenario


def list_presets(store_path: Path | None) -> tuple[list[dict[str, str]], list[str]]:
    """Every preset, bundled scenarios first (the default leading), then stored runs, newest first.

    Parameters
    ----------
    store_path : Path or None
        The run store (None: the default store).

    Returns
    -------
    presets : list of dict
        ``id``, ``kind`` (``bundled`` or ``run``), ``label`` and ``description``.
    notes : list of str
        Why stored runs are missing, when the store cannot be read.
    """
    names = sorted(bundled_names(), key=lambda name: (name != "default", name))
    presets = []
    for name in names:
        meta = bundled(name).meta
        presets.append({"id": f"bundled:{name}", "kind": "bundled", "label": name, "description": meta.description})
    notes: list[str] = []
    try:
        from frontiersim.store import RunStore, StoreError  # noqa: PLC0415 - the store pulls in DuckDB only when used
    except ImportError as error:  # pragma: no cover - the store ships with frontiersim
        return presets, [f"stored runs unavailable: {error}"]
    store = RunStore(store_path, lock_timeout_seconds=LIST_LOCK_TIMEOUT_SECONDS)
    if not store.path.exists():
        return presets, notes
    try:
        infos = store.list()
    except StoreError as error:
        return presets, [f"stored runs unavailable: {error}"]
    for info in infos:
        if info.kind not in _RUN_KINDS or info.status != "complete":
            continue
        label = f"{info.run_id} {info.scenario_name}"
        presets.append(
            {
                "id": f"run:{info.run_id}",
                "kind": "run",
                "label": f"{label}: {info.message}" if info.message else label,
                "description": f"{info.kind} of {info.created_utc}, {info.draws} draws, seed {info.seed}",
            }
        )
    return presets, notes


def load_preset(preset_id: str, store_path: Path | None) -> Preset:
    """The scenario of a preset, as a mapping (as read from TOML) and validated.

    Raises
    ------
    PresetError
        404 for an id that names no preset, 422 when a stored run's scenario
        no longer validates, 503 when the store cannot be read.
    """
    match = _PRESET_ID.fullmatch(preset_id)
    if match is None:
        raise PresetError(404, f"no preset {preset_id[:120]!r}; expected bundled:<name> or run:<run id>")
    kind, name = match.groups()
    if kind == "bundled":
        if name not in bundled_names():
            raise PresetError(404, f"no bundled scenario {name!r}; known: {', '.join(bundled_names())}")
        text, label = bundled_text(name), name
    else:
        text, label = _stored_scenario_text(name, store_path)
    mapping = tomllib.loads(text)
    try:
        scenario = parse_scenario(mapping, preset_id, source_text=text, extra_sections=extension_sections())
    except ScenarioError as error:
        raise PresetError(422, f"the scenario of {preset_id} does not validate: {error}") from None
    return Preset(preset_id, label, mapping, scenario)


def _stored_scenario_text(run_id: str, store_path: Path | None) -> tuple[str, str]:
    """Scenario text and label of a stored run."""
    from frontiersim.store import RunStore, StoreError  # noqa: PLC0415 - the store pulls in DuckDB only when used

    store = RunStore(store_path, lock_timeout_seconds=LIST_LOCK_TIMEOUT_SECONDS)
    if not store.path.exists():
        raise PresetError(404, f"no stored run {run_id!r} (the run store {store.path} does not exist yet)")
    try:
        record = store.get(run_id)
    except StoreError as error:
        text = str(error)
        status = 404 if text.startswith("no run") or "ambiguous" in text else 503
        raise PresetError(status, str(error)) from None
    if record.kind not in _RUN_KINDS or not record.scenario_text:
        raise PresetError(404, f"stored {record.kind} {record.run_id} holds no scenario")
    try:
        tomllib.loads(record.scenario_text)
    except tomllib.TOMLDecodeError as error:
        raise PresetError(422, f"the scenario of stored run {record.run_id} is not valid TOML: {error}") from None
    return record.scenario_text, f"{record.run_id} {record.scenario_name}"

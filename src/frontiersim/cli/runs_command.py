"""``frontiersim runs``: list, show, compare, export and remove stored runs.

Every ``run``, ``optimize`` and ``backtest`` is recorded in the run store
(see ``docs/store.md``) unless ``--no-store`` is given. These sub-commands
read it back:

- ``runs list [--limit N] [--all]``: the newest runs, one line each;
- ``runs show ID``: one run's metadata, message, headline figures and summary;
- ``runs compare ID ID``: the scenario diff beside the change in key outcomes,
  with both runs' messages (the reason for the change);
- ``runs export ID --format csv|parquet [-o PATH] [--table NAME]``: the tables
  (and per-draw results) as files;
- ``runs rm ID [--yes]``: delete a run.

An id may be shortened to any unique prefix. Exit codes: 0 done; 1 the store
could not be read or a file could not be written; 2 bad input (an unknown or
ambiguous id, a bad store path, a bad output path). Every problem is one line
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from frontiersim.atomic import atomic_write_bytes
from frontiersim.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from frontiersim.cli.format import format_comparison, format_stored_summary, format_sweep_points
from frontiersim.cli.recording import add_recording_arguments, add_store_argument, one_line_message, stored_size_text
from frontiersim.scenario.errors import terminal_safe
from frontiersim.store import RunInfo, RunRecord, RunStore, StoreError
from frontiersim.store.record import METRICS, describe_metric, lab_metric, split_lab_metric
from frontiersim.units import data_size, money, number_text

#: Longest message shown in ``runs list`` (characters).
_LIST_MESSAGE_CHARS = 60

#: Characters kept from a run or table name in a file name.
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")

#: Summary rows compared year by year in ``runs compare``: (metric, statistic) -> label.
_YEARLY_OUTCOMES: dict[tuple[str, str], str] = {
    ("P(ruin by year end)", "probability"): "P(ruin by year end)",
    ("revenue", "p50"): "revenue, median",
    ("cash at year end", "p50"): "cash at year end, median",
}

# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------


def _when(iso: str | None) -> str:
    """``2026-11-22T04:17:12.123456+00:00`` -> ``2026-11-22 04:17:12``."""
    return "" if not iso else iso[:19].replace("T", " ")


def _metric_label(name: str) -> str:
    return describe_metric(name)[0]


#: How each kind of metric value is shown.
_VALUE_FORMATS: dict[str, Callable[[float], str]] = {
    "share": lambda value: f"{value:.2%}",
    "usd": money,
    "count": lambda value: f"{value:,.0f}",
    "flag": lambda value: "yes" if value else "no",
    "number": lambda value: number_text(value, 4),
}


def _metric_order(metrics: Mapping[str, float]) -> list[str]:
    """Metric names in the order of :data:`METRICS`, each run-level one before its labs' (``p_ruin.b``), then others.

    Examples
    --------
    >>> _metric_order({"zeta": 1.0, "p_ruin.b": 0.2, "p_ruin": 0.1, "p_ruin.a": 0.1, "p_ruin_low": 0.0})
    ['p_ruin', 'p_ruin.b', 'p_ruin.a', 'p_ruin_low', 'zeta']
    """
    known = list(METRICS)

    def key(name: str) -> tuple[int, int]:
        base, lab = split_lab_metric(name)
        return (known.index(base) if base in METRICS else len(known), 0 if lab is None else 1)

    ordered = sorted(metrics, key=key)
    unknown = sorted(name for name in ordered if split_lab_metric(name)[0] not in METRICS)
    return [name for name in ordered if split_lab_metric(name)[0] in METRICS] + unknown


def _metric_value(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return "n/a"
    return _VALUE_FORMATS[describe_metric(name)[1]](value)


def _metric_change(name: str, before: float | None, after: float | None) -> str:
    if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
        return ""
    change = after - before
    kind = describe_metric(name)[1]
    if kind == "share":
        return f"{100 * change:+.2f} pp"
    if kind == "usd":
        shown = ("+" if change >= 0 else "") + money(change)
        return shown + (f" ({change / abs(before):+.1%})" if before else "")
    if kind == "flag":
        return "" if change == 0 else "changed"
    if kind == "count":
        return f"{change:+,.0f}"
    return ("+" if change >= 0 else "") + number_text(change, 4)


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns under a dashed header; the ``right`` columns right-aligned, the others left-aligned."""
    table = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for k, row in enumerate(table):
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _listed_ruin(info: RunInfo) -> str:
    """P(ruin) of a run in the list: the one lab's, or the range over several labs with their count."""
    if "p_ruin" not in info.metrics:
        return ""
    by_lab = [info.metrics[lab_metric("p_ruin", lab)] for lab in info.labs if lab_metric("p_ruin", lab) in info.metrics]
    if len(by_lab) < 2:
        return _metric_value("p_ruin", info.metrics["p_ruin"])
    low, high = _metric_value("p_ruin", min(by_lab)), _metric_value("p_ruin", max(by_lab))
    return f"{low}-{high} ({len(by_lab)} labs)"


def format_run_list(infos: Sequence[RunInfo]) -> str:
    """One line per run: id, time, kind, status, scenario, draws, P(ruin) (its range over labs) and message."""
    header = ["id", "created (UTC)", "kind", "status", "scenario", "draws", "P(ruin)", "message"]
    rows = [
        [
            info.run_id,
            _when(info.created_utc),
            terminal_safe(info.kind),
            terminal_safe(info.status),
            terminal_safe(info.scenario_name),
            "" if info.draws is None else f"{info.draws:,}",
            _listed_ruin(info),
            _short(terminal_safe(info.message), _LIST_MESSAGE_CHARS),
        ]
        for info in infos
    ]
    return _aligned(header, rows, right=(5, 6))


def format_record(record: RunRecord) -> str:
    """What ``runs show`` prints: metadata, message, headline figures, summary and what else is stored."""
    fields: list[tuple[str, str]] = [
        ("kind", record.kind),
        ("status", record.status),
        ("message", record.message or "(none)"),
        ("scenario", f"{record.scenario_name} (sha256 {record.scenario_sha256[:12] or '-'})"),
        ("seed", "-" if record.seed is None else str(record.seed)),
        ("draws", "-" if record.draws is None else f"{record.draws:,}"),
        ("created", f"{_when(record.created_utc)} UTC"),
        ("finished", f"{_when(record.finished_utc)} UTC" if record.finished_utc else "-"),
        ("version", f"frontiersim {record.frontiersim_version}"),
        ("command", " ".join(record.command) or "-"),
    ]
    if record.environment:
        software = {name: version for name, version in record.environment.items() if name != "frontiersim"}
        platform = software.pop("platform", "")
        listed = ", ".join(f"{name} {version}" for name, version in software.items())
        fields.append(("software", terminal_safe(f"{listed} ({platform})" if platform else listed)))
    if record.stored_bytes:
        fields.append(("stored", stored_size_text(record.stored_bytes)))
    if record.error:
        fields.append(("error", record.error))
    width = max(len(name) for name, _ in fields)
    lines = [f"run {record.run_id}", *(f"  {name.ljust(width)}  {terminal_safe(text)}" for name, text in fields)]
    if record.metrics:
        lines += ["", "Headline:"]
        names = _metric_order(record.metrics)
        label_width = max(len(_metric_label(n)) for n in names)
        lines += [f"  {_metric_label(n).ljust(label_width)}  {_metric_value(n, record.metrics[n])}" for n in names]
    if "summary" in record.tables:
        lines += ["", "Summary by year:", format_stored_summary(record.tables["summary"])]
    if "comparison" in record.tables:
        comparison = record.tables["comparison"].set_index("policy")
        lines += ["", "Recommended policy against the naive ones (fresh draws):", format_comparison(comparison)]
    if record.kind == "sweep" and "points" in record.tables:
        lines += ["", *_sweep_lines(record)]
    for text in ("backtest.txt", "sensitivity.txt"):
        if text in record.artifacts:
            lines += ["", record.artifacts[text].decode("utf-8", errors="replace").rstrip()]
    lines += ["", f"tables: {', '.join(sorted(record.tables)) or '-'}"]
    if record.draw_table_names:
        lines.append(
            f"per-draw tables: {', '.join(record.draw_table_names)} "
            f"(frontiersim runs export {record.run_id} --table NAME --format csv|parquet)"
        )
    if record.artifacts:
        lines.append(
            "artifacts: "
            + ", ".join(f"{name} ({data_size(len(data))})" for name, data in sorted(record.artifacts.items()))
        )
    return "\n".join(lines)


def _sweep_lines(record: RunRecord) -> list[str]:
    """A sweep's points with their headline metrics, and the run id of each point."""
    from frontiersim.scenario.overrides import key_unit  # noqa: PLC0415

    points = record.tables["points"]
    columns = [str(c) for c in points.columns]
    # the swept keys are the columns between run_id and lab (frontiersim.sweep.runner.points_table)
    keys = columns[columns.index("run_id") + 1 : columns.index("lab")] if {"run_id", "lab"} <= set(columns) else []
    units = {key: key_unit(key) for key in keys}
    design = str(record.options.get("design", ""))
    lines = [f"Points{f' ({design})' if design else ''}:", format_sweep_points(points, keys, units)]
    if "run_id" in columns:
        ids = list(dict.fromkeys(str(run_id) for run_id in points["run_id"] if str(run_id)))
        if ids:
            lines += ["", f"point runs (frontiersim runs show ID): {', '.join(ids)}"]
    return lines


def scenario_diff(before: RunRecord, after: RunRecord) -> list[str]:
    """Unified diff lines of two runs' scenario texts (empty when they are the same)."""
    return list(
        difflib.unified_diff(
            before.scenario_text.splitlines(),
            after.scenario_text.splitlines(),
            fromfile=f"{before.run_id} ({terminal_safe(before.scenario_name)})",
            tofile=f"{after.run_id} ({terminal_safe(after.scenario_name)})",
            lineterm="",
        )
    )


def _outcome_rows(before: RunRecord, after: RunRecord) -> list[list[str]]:
    names = _metric_order({**before.metrics, **after.metrics})
    rows = []
    for name in names:
        a, b = before.metrics.get(name), after.metrics.get(name)
        rows.append([_metric_label(name), _metric_value(name, a), _metric_value(name, b), _metric_change(name, a, b)])
    return rows


def _summary_values(
    summary: pd.DataFrame, key: tuple[str, str], years: Sequence[str], lab: str | None
) -> list[float] | None:
    """One row of a flat ``summary`` table over ``years`` (of ``lab``, if given), or None when it has no such row."""
    match = summary[(summary["metric"] == key[0]) & (summary["statistic"] == key[1])]
    if lab is not None and "lab" in summary.columns:
        match = match[match["lab"].astype(str) == lab]
    if not len(match):
        return None
    return [float(v) for v in match[list(years)].iloc[0].to_numpy(dtype=float)]


def _summary_labs(summary: pd.DataFrame) -> list[str]:
    """The labs of a stored ``summary`` table, in order (empty for a table stored without a ``lab`` column)."""
    return list(dict.fromkeys(str(lab) for lab in summary["lab"])) if "lab" in summary.columns else []


def _yearly_rows(before: RunRecord, after: RunRecord) -> tuple[list[str], list[list[str]]] | None:
    """Rows of the year-by-year comparison (A, B and the change per key outcome), or None without summaries.

    Runs of several labs are compared lab by lab, for the labs both runs have.
    """
    if "summary" not in before.tables or "summary" not in after.tables:
        return None
    a_table, b_table = before.tables["summary"], after.tables["summary"]
    b_years = {str(c) for c in b_table.columns}
    years = [str(c) for c in a_table.columns if str(c).isdigit() and str(c) in b_years]
    if not years:
        return None
    a_labs, b_labs = _summary_labs(a_table), _summary_labs(b_table)
    shared = [lab for lab in a_labs if lab in b_labs]
    labs: list[str | None] = list(shared) if len(a_labs) > 1 or len(b_labs) > 1 else [None]
    rows = []
    for lab in labs:
        for key, label in _YEARLY_OUTCOMES.items():
            a_values = _summary_values(a_table, key, years, lab)
            b_values = _summary_values(b_table, key, years, lab)
            if a_values is None or b_values is None:
                continue
            kind_name = "p_ruin" if key[1] == "probability" else "revenue_final_year_median_usd"
            shown = label if lab is None else f"{lab}: {label}"
            rows.append([shown, "A", *(_metric_value(kind_name, v) for v in a_values)])
            rows.append(["", "B", *(_metric_value(kind_name, v) for v in b_values)])
            changes = (_metric_change(kind_name, a, b) for a, b in zip(a_values, b_values, strict=True))
            rows.append(["", "change", *changes])
    return ["outcome", "", *years], rows


def format_comparison_of_runs(before: RunRecord, after: RunRecord) -> str:
    """What ``runs compare A B`` prints: both runs and their reasons, the scenario diff and the outcome changes."""

    def describe(tag: str, record: RunRecord) -> str:
        draws = "" if record.draws is None else f", {record.draws:,} draws"
        return (
            f"  {tag}  {record.run_id}  {_when(record.created_utc)} UTC  {record.kind}, {record.status}, "
            f"scenario {record.scenario_name!r}{draws}\n      reason: {terminal_safe(record.message or '(no message)')}"
        )

    lines = ["Comparing", describe("A", before), describe("B", after), ""]
    diff = scenario_diff(before, after)
    if before.scenario_sha256 and before.scenario_sha256 == after.scenario_sha256:
        lines.append("Scenario: the same text (sha256 match); any change in outcomes comes from seed or draws.")
    elif diff:
        lines += ["Scenario changes (A -> B):", *diff]
    else:
        lines.append("Scenario: no difference in the text.")
    if (before.seed, before.draws) != (after.seed, after.draws):
        lines.append(f"Seed / draws: A {before.seed} / {before.draws}, B {after.seed} / {after.draws}")
    lines += ["", "Key outcomes:"]
    outcome_rows = _outcome_rows(before, after)
    if outcome_rows:
        lines.append(_aligned(["outcome", "A", "B", "change (B - A)"], outcome_rows, right=(1, 2, 3)))
    else:
        lines.append("  (neither run recorded headline figures)")
    yearly = _yearly_rows(before, after)
    if yearly is not None:
        header, rows = yearly
        lines += ["", "By year:", _aligned(header, rows, right=tuple(range(2, len(header))))]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# handlers
# ---------------------------------------------------------------------------


def _error(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _record(store: RunStore, run_id: str) -> RunRecord | int:
    """The stored run, or an exit code after saying why it cannot be had."""
    try:
        full_id = store.resolve(run_id)
    except StoreError as error:
        return _error(str(error))
    try:
        return store.get(full_id)
    except StoreError as error:
        return _error(f"cannot read run {full_id}: {error}", EXIT_FAILED)


def _cmd_list(args: argparse.Namespace) -> int:
    store = RunStore(args.store)
    try:
        infos = store.list()
    except StoreError as error:
        return _error(str(error))
    if not infos:
        print(f"no runs in {store.path}")
        return EXIT_OK
    shown = infos if args.all else infos[: args.limit]
    print(format_run_list(shown))
    more = "" if len(shown) == len(infos) else " (--all to list every run)"
    print(f"\n{len(shown)} of {len(infos)} runs in {store.path}{more}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    record = _record(RunStore(args.store), args.run_id)
    if isinstance(record, int):
        return record
    print(format_record(record))
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    store = RunStore(args.store)
    before = _record(store, args.first)
    if isinstance(before, int):
        return before
    after = _record(store, args.second)
    if isinstance(after, int):
        return after
    print(format_comparison_of_runs(before, after))
    return EXIT_OK


ExportFormat = Literal["csv", "parquet"]


def _file_name(text: str) -> str:
    return "".join(c for c in text if c in _SAFE).strip(".") or "table"


def _table_bytes(frame: pd.DataFrame, file_format: ExportFormat) -> bytes:
    keep_index = not isinstance(frame.index, pd.RangeIndex)
    if file_format == "csv":
        return frame.to_csv(index=keep_index).encode("utf-8")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow")
    return buffer.getvalue()


def _export_one(record: RunRecord, name: str, file_format: ExportFormat, out: str | None) -> int:
    per_draw = name in record.draw_table_names
    if not per_draw and name not in record.tables:
        known = ", ".join([*record.draw_table_names, *sorted(record.tables)]) or "none"
        return _error(f"--table: run {record.run_id} has no table {name!r}; it has: {known}")
    path = Path(out) if out else Path(f"{_file_name(record.run_id)}-{_file_name(name)}.{file_format}")
    if path.is_dir():
        return _error(f"-o {path} is a folder; expected a file path (or drop --table to export every table)")
    try:
        frame = record.draw_table(name) if per_draw else record.tables[name]
    except StoreError as error:
        return _error(f"cannot read table {name!r} of run {record.run_id}: {error}", EXIT_FAILED)
    try:
        atomic_write_bytes(path, _table_bytes(frame, file_format))
    except OSError as error:
        return _error(f"cannot write {path}: {error.strerror or error}", EXIT_FAILED)
    print(f"wrote {name} ({len(frame):,} rows) of run {record.run_id} to {path}")
    return EXIT_OK


def _export_all(record: RunRecord, file_format: ExportFormat, out: str | None) -> int:
    folder = Path(out) if out else Path(f"run-{_file_name(record.run_id)}")
    if folder.exists() and not folder.is_dir():
        return _error(f"-o {folder} exists and is not a folder")
    files: dict[str, bytes] = {}
    try:
        for name in record.draw_table_names:
            files[f"{_file_name(name)}.{file_format}"] = _table_bytes(record.draw_table(name), file_format)
    except StoreError as error:
        return _error(f"cannot read the per-draw tables of run {record.run_id}: {error}", EXIT_FAILED)
    for name, frame in record.tables.items():
        files.setdefault(f"{_file_name(name)}.{file_format}", _table_bytes(frame, file_format))
    for name, data in record.artifacts.items():
        files.setdefault(_file_name(name), data)
    if record.scenario_text:
        files.setdefault("scenario.toml", record.scenario_text.encode("utf-8"))
    metadata = {
        **{name: getattr(record, name) for name in RunInfo.__dataclass_fields__},
        "command": record.command,
        "error": record.error,
    }
    metadata["metrics"] = {k: (v if math.isfinite(v) else None) for k, v in record.metrics.items()}
    files.setdefault("run.json", (json.dumps(metadata, indent=2, default=str) + "\n").encode("utf-8"))
    try:
        for name, data in files.items():
            atomic_write_bytes(folder / name, data)
    except OSError as error:
        return _error(f"cannot write to {folder}: {error.strerror or error}", EXIT_FAILED)
    print(f"wrote {len(files)} files of run {record.run_id} to {folder}/: {', '.join(files)}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    record = _record(RunStore(args.store), args.run_id)
    if isinstance(record, int):
        return record
    if args.table is not None:
        return _export_one(record, args.table, args.format, args.out)
    return _export_all(record, args.format, args.out)


def _cmd_rm(args: argparse.Namespace) -> int:
    store = RunStore(args.store)
    record = _record(store, args.run_id)
    if isinstance(record, int):
        return record
    what = (
        f"run {record.run_id} ({record.kind}, {record.status}, {record.scenario_name!r}: "
        f"{terminal_safe(record.message or '-')})"
    )
    if not args.yes:
        if not sys.stdin.isatty():
            return _error(f"not removing {what}: add --yes to confirm (input is not a terminal)")
        try:
            answer = input(f"remove {what}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            print("nothing removed")
            return EXIT_OK
    try:
        store.remove(record.run_id)
    except StoreError as error:
        return _error(str(error))
    print(f"removed {what} from {store.path}")
    return EXIT_OK


def _cmd_compact(args: argparse.Namespace) -> int:
    store = RunStore(args.store)
    try:
        done = store.compact()
    except StoreError as error:
        return _error(str(error))
    saved = done.bytes_before - done.bytes_after
    print(
        f"compacted {store.path}: {_mebibytes(done.bytes_before)} -> {_mebibytes(done.bytes_after)} "
        f"({_mebibytes(saved)} freed), {done.runs} run{'' if done.runs == 1 else 's'} kept"
    )
    return EXIT_OK


def _mebibytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


__all__ = [
    "add_recording_arguments",
    "add_store_argument",
    "format_comparison_of_runs",
    "format_record",
    "format_run_list",
    "one_line_message",
    "scenario_diff",
]

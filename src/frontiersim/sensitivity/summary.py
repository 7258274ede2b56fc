"""A sensitivity analysis as text and as a stored record (kind ``sensitivity``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import pandas as pd

from frontiersim.results.tables import PROBABILITY, ColumnUnit
from frontiersim.scenario.distributions import to_toml_value
from frontiersim.sensitivity.analysis import NOISE_INPUT
from frontiersim.sensitivity.scenario_analysis import INDEX_LABELS, SensitivityResult
from frontiersim.store.record import RecordPayload
from frontiersim.store.units import declared_units
from frontiersim.units import counted, money

#: Units and labels of the tables a sensitivity record keeps.
SENSITIVITY_UNITS: dict[str, dict[str, ColumnUnit]] = {
    "sensitivity": {
        "outcome": ColumnUnit("", "outcome"),
        "outcome_label": ColumnUnit("", "outcome, described"),
        "input": ColumnUnit("", "uncertain input"),
        "input_label": ColumnUnit("", "uncertain input, described"),
        "index": ColumnUnit("", "index"),
        "value": ColumnUnit("", "estimate", "unit"),
        "ci_low": ColumnUnit("", "confidence interval, low", "unit"),
        "ci_high": ColumnUnit("", "confidence interval, high", "unit"),
        "unit": ColumnUnit("", "unit of the estimate (none: a fraction)"),
        "rank": ColumnUnit("", "rank among the inputs (1: the strongest driver)"),
    },
    "sensitivity_inputs": {
        "input": ColumnUnit("", "uncertain input"),
        "label": ColumnUnit("", "label"),
        "unit": ColumnUnit("", "unit"),
        "distribution": ColumnUnit("", "distribution"),
    },
    "sensitivity_outcomes": {
        "outcome": ColumnUnit("", "outcome"),
        "outcome_label": ColumnUnit("", "outcome, described"),
        "unit": ColumnUnit("", "unit"),
        "mean": ColumnUnit("", "mean over the simulated draws", "unit"),
        "std": ColumnUnit("", "standard deviation over the simulated draws", "unit"),
    },
}


def format_value(value: float, unit: str) -> str:
    """A number in its unit, never in e-notation: money as ``$1.2B``, a probability in percent.

    Examples
    --------
    >>> format_value(0.4367, ""), format_value(2.5e9, "USD"), format_value(0.125, "probability")
    ('0.437', '$2.5B', '12.5%')
    >>> format_value(1234.5, "GW"), format_value(float("nan"), ""), format_value(-0.00001, "")
    ('1,234 GW', '-', '-0.000')
    """
    if not math.isfinite(value):
        return "-"
    if unit.startswith("USD"):
        return money(value) + unit[3:]
    if unit == PROBABILITY:
        return f"{100 * value:.3g}%" if abs(value) >= 0.001 else f"{100 * value:.3f}%"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}" if unit else text


def _estimate(row: pd.Series) -> str:
    """An estimate with its interval, in its unit."""
    unit = str(row["unit"])
    text = format_value(float(row["value"]), unit)
    if math.isfinite(float(row["ci_low"])):
        text += f" [{format_value(float(row['ci_low']), unit)}, {format_value(float(row['ci_high']), unit)}]"
    return text


def summary_text(result: SensitivityResult) -> str:
    """The analysis as text: per outcome, its inputs ranked, each index with its interval, and the top drivers."""
    level = f"{result.confidence:.0%}"
    described = {
        "sobol": f"Sobol indices (Saltelli design, {counted(result.samples, 'base row')})",
        "morris": f"Morris elementary effects ({result.samples:,} trajectories)",
        "rank": f"rank correlations ({counted(result.samples, 'draw')}, correlations kept)",
    }[result.method]
    lines = [
        f"Sensitivity of scenario {result.scenario_name!r}, lab {result.lab}: {described}, seed {result.seed}; "
        f"{counted(result.simulated_draws, 'draw')} simulated; intervals at {level}."
    ]
    indices = [index for index in INDEX_LABELS if index in set(result.table["index"])]
    summary = result.outcome_summary.set_index("outcome")
    for outcome in result.outcomes:
        rows = result.table[result.table["outcome"] == outcome.name]
        mean = float(summary["mean"].to_dict()[outcome.name])
        lines += ["", f"{outcome.label} ({outcome.name}; mean {format_value(mean, outcome.unit)}):"]
        header = ["rank", "input", *indices]
        body = []
        for rank in sorted(set(rows["rank"])):
            of_rank = rows[rows["rank"] == rank]
            by_index = {str(row["index"]): row for _, row in of_rank.iterrows()}
            body.append(
                [
                    str(rank),
                    str(of_rank["input_label"].iloc[0]),
                    *(_estimate(by_index[i]) if i in by_index else "" for i in indices),
                ]
            )
        widths = [max(len(r[k]) for r in [header, *body]) for k in range(len(header))]
        lines += [
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            for line in [header, *body]
        ]
        top = result.top_drivers(outcome.name, 3, parameters_only=True)
        labels = dict(zip(rows["input"], rows["input_label"], strict=False))
        lines.append("  top drivers: " + "; ".join(labels[name] for name in top))
    lines += ["", *(f"note: {note}" for note in result.notes)] if result.notes else []
    lines += ["", "Index: " + "; ".join(f"{index} = {INDEX_LABELS[index]}" for index in indices)]
    return "\n".join(lines)


def inputs_table(result: SensitivityResult) -> pd.DataFrame:
    """The analysed inputs: stream name, label, unit and distribution (as written in a scenario)."""
    rows = []
    for spec in result.inputs:
        distribution = "" if spec.distribution is None else json.dumps(to_toml_value(spec.distribution), default=str)
        shown = distribution if spec.name != NOISE_INPUT else f"the sampled draws' shocks: {spec.description}"
        rows.append((spec.name, spec.label, spec.unit, shown))
    return pd.DataFrame(rows, columns=["input", "label", "unit", "distribution"])


def settings_json(result: SensitivityResult) -> bytes:
    """The analysis's settings as ``sensitivity.json`` holds them (stored, and written by the command line)."""
    settings = {
        "scenario": result.scenario_name,
        "method": result.method,
        "samples": result.samples,
        "seed": result.seed,
        "lab": result.lab,
        "outcomes": [outcome.name for outcome in result.outcomes],
        "confidence": result.confidence,
        "simulated_draws": result.simulated_draws,
        "notes": list(result.notes),
    }
    return (json.dumps(settings, indent=2) + "\n").encode("utf-8")


def sensitivity_payload(
    result: SensitivityResult, *, artifacts: Mapping[str, bytes] = {}, text: str | None = None
) -> RecordPayload:
    """What a sensitivity analysis stores: its indices, inputs and outcomes, and its text.

    Parameters
    ----------
    result : SensitivityResult
    artifacts : mapping of str to bytes
        ``tornado.svg``, ...
    text : str, optional
        :func:`summary_text` of ``result``, when the caller has it already.

    Returns
    -------
    RecordPayload
        Tables ``sensitivity``, ``sensitivity_inputs``, ``sensitivity_outcomes``
        and ``units``; the artifact ``sensitivity.txt`` (:func:`summary_text`)
        and ``sensitivity.json`` (the settings); metrics ``inputs``,
        ``outcomes`` and ``design_draws``.
    """
    tables = {
        "sensitivity": result.table.copy(),
        "sensitivity_inputs": inputs_table(result),
        "sensitivity_outcomes": result.outcome_summary.copy(),
    }
    tables["units"] = declared_units(tables, SENSITIVITY_UNITS)
    files = {
        "sensitivity.txt": ((summary_text(result) if text is None else text) + "\n").encode("utf-8"),
        "sensitivity.json": settings_json(result),
        **artifacts,
    }
    metrics = {
        "inputs": float(len(result.inputs)),
        "outcomes": float(len(result.outcomes)),
        "design_draws": float(result.simulated_draws),
    }
    return RecordPayload(tables=tables, artifacts=files, metrics=metrics, options={"method": result.method})

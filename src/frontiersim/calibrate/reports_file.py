"""Revenue reports a user adds to a backtest (``frontiersim backtest --reports FILE.csv``).

The file is CSV with a header row and exactly these three columns, in any
order (the names of the shipped Epoch file, ``ai_companies_revenue_reports.csv``):

- ``Date``: the report's date, ``YYYY-MM-DD`` (or ``MM/DD/YYYY`` as in Epoch's file);
- ``Company``: as spelled in the shipped file (``Anthropic``, ``OpenAI``);
- ``Revenue amount (normalize to annual)``: annualised revenue (run-rate), USD a
  year, a plain positive number (``7e9`` or ``7000000000``).

Further columns are ignored. Every problem is reported, one per line, with its
row (the header is line 1); :class:`ReportsFileError` carries them all.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Required columns.
DATE_COLUMN = "Date"
COMPANY_COLUMN = "Company"
REVENUE_COLUMN = "Revenue amount (normalize to annual)"
REQUIRED_COLUMNS = (DATE_COLUMN, COMPANY_COLUMN, REVENUE_COLUMN)

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


class ReportsFileError(ValueError):
    """A reports file that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(f"  - {p}" for p in problems))


def _parse_date(text: str) -> datetime | None:
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), form)
        except ValueError:
            continue
    return None


def read_reports_csv(path: str | Path) -> pd.DataFrame:  # noqa: PLR0912 (one check per problem)
    """Read a user's revenue reports.

    Parameters
    ----------
    path : str or Path
        CSV file with the columns of the module docstring.

    Returns
    -------
    pandas.DataFrame
        Columns ``company``, ``date`` (datetime) and ``revenue_usd_per_year``.

    Raises
    ------
    ReportsFileError
        If the file cannot be read, lacks a column, has no rows, or any row has a bad
        date, an empty company or a revenue that is not a finite positive number.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ReportsFileError(path, [f"cannot be read: {error}"]) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ReportsFileError(path, [f"is empty; expected a header with columns {', '.join(REQUIRED_COLUMNS)}"])
    header = [cell.strip() for cell in rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ReportsFileError(
            path, [f"missing column {column!r} (the header has: {', '.join(map(repr, header))})" for column in missing]
        )
    where = {column: header.index(column) for column in REQUIRED_COLUMNS}
    problems: list[str] = []
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problems.append(f"line {line}: {len(row)} field(s), the header has {len(header)}")
            continue
        date_text, company, revenue_text = (row[where[c]].strip() for c in REQUIRED_COLUMNS)
        date = _parse_date(date_text)
        if date is None:
            problems.append(f"line {line}: {DATE_COLUMN} {date_text!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")
        if not company:
            problems.append(f"line {line}: {COMPANY_COLUMN} is empty")
        try:
            revenue = float(revenue_text.replace(",", "").replace("_", ""))
        except ValueError:
            revenue = math.nan
            problems.append(f"line {line}: {REVENUE_COLUMN} {revenue_text!r} is not a number (USD a year)")
        else:
            if not math.isfinite(revenue) or revenue <= 0:
                problems.append(f"line {line}: {REVENUE_COLUMN} {revenue_text!r} must be a finite positive number")
        records.append({"company": company, "date": date, "revenue_usd_per_year": revenue})
    if problems:
        raise ReportsFileError(path, problems)
    if not records:
        raise ReportsFileError(path, ["has a header but no reports"])
    import pandas as pd  # noqa: PLC0415 (the command line reads REQUIRED_COLUMNS without pandas)

    frame = pd.DataFrame.from_records(records)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame[["company", "date", "revenue_usd_per_year"]]


__all__ = ["REQUIRED_COLUMNS", "ReportsFileError", "read_reports_csv"]

"""One catalogue of outputs: each output's name, unit, label, dimensions and yearly rule, declared once.

Model components declare their outputs as :class:`OutputSpec` objects; the
engine records them, :mod:`frontiersim.results` reduces months to years and
labels them from these declarations, and the outer layers (CLI, report,
dashboard, store) read units and labels from here instead of guessing them
from names.

Dimensions
----------
``per`` says what an output is indexed by besides the draw:

* ``"lab"``: one value per lab (results dims ``draw, lab, ...``);
* ``"market"``: one value shared by all labs (``draw, ...``).

``shape`` says how it is recorded:

* ``"monthly"``: one value per month, reduced to years by :attr:`OutputSpec.yearly`;
* ``"final"``: one value per draw at the end of the run (``ruin_month``);
* ``"model"``: one value per model cohort (``model_revenue_usd``);
* ``"yearly"``: recorded directly by year (a component's own year-end figure);
* ``"milestone"``: one value per capability milestone.

Yearly rules
------------
``"sum"`` totals a monthly flow (USD in the month -> USD in the year);
``"sum_of_rate"`` totals an annual rate held for a month (USD/year -> USD in
the year: the sum over months divided by 12); ``"mean"`` averages a level
(GW); ``"last"`` keeps the year-end value of a stock (cash). Months are added
one at a time in order, so that sums do not depend on the chunk size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from frontiersim.scenario.schema import MILESTONE_LABELS

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]

Per = Literal["lab", "market"]
Shape = Literal["monthly", "final", "model", "yearly", "milestone"]
YearlyHow = Literal["sum", "sum_of_rate", "mean", "last"]
Kind = Literal["flow", "stock", "rate", "level", "ratio", "flag", "index", "month"]


@dataclass(frozen=True)
class YearlyRule:
    """How a monthly output becomes a yearly one.

    Attributes
    ----------
    name : str
        Name of the yearly output, e.g. ``"year_revenue_usd"``.
    how : {"sum", "sum_of_rate", "mean", "last"}
        See the module notes.
    unit : str
        Unit of the yearly output.
    description : str
        What the yearly output is.
    """

    name: str
    how: YearlyHow
    unit: str
    description: str


@dataclass(frozen=True)
class OutputSpec:
    """Declaration of one output.

    Attributes
    ----------
    name : str
        Variable name in results, with its unit in the name where it has one.
    unit : str
        ``"USD"``, ``"USD/year"``, ``"GW"``, ``"1"`` (a ratio), ``"month"``,
        ``"tiers"``, ...
    label : str
        Short human label for tables and charts, e.g. ``"revenue"``.
    description : str
        One line on what it is.
    kind : str
        ``"flow"`` (per month), ``"stock"`` (at month end), ``"rate"`` (annual
        rate), ``"level"`` (GW), ``"ratio"``, ``"flag"``, ``"index"`` or
        ``"month"`` (a month index, -1 for never).
    per : {"lab", "market"}
        Indexed by lab, or shared by all labs.
    shape : {"monthly", "final", "model", "yearly", "milestone"}
        How it is recorded (see the module notes).
    yearly : YearlyRule or None
        For monthly outputs: the yearly output derived from it, if any.
    dtype : {"float", "int"}
    """

    name: str
    unit: str
    label: str
    description: str
    kind: Kind
    per: Per = "lab"
    shape: Shape = "monthly"
    yearly: YearlyRule | None = None
    dtype: Literal["float", "int"] = "float"

    def dims(self, *, keep_monthly: bool = True) -> tuple[str, ...] | None:
        """Dimensions in results (None for a monthly output of a summary-only run)."""
        lead: tuple[str, ...] = ("draw", "lab") if self.per == "lab" else ("draw",)
        trailing = {"monthly": ("month",), "final": (), "model": ("model",), "yearly": ("year",)}
        if self.shape == "milestone":
            return (*lead, "milestone")
        if self.shape == "monthly" and not keep_monthly:
            return None
        return (*lead, *trailing[self.shape])


def flow(name: str, label: str, description: str, yearly_description: str | None = None) -> OutputSpec:
    """A monthly flow in USD, summed into ``year_<name>``."""
    return OutputSpec(
        name,
        "USD",
        label,
        description,
        "flow",
        yearly=YearlyRule(f"year_{name}", "sum", "USD", yearly_description or f"{description}, summed over the year"),
    )


def reduce_to_years(by_month: Mapping[str, FloatArray], outputs: Catalogue) -> dict[str, FloatArray]:
    """Yearly outputs from month-major monthly ones, by each output's yearly rule.

    Parameters
    ----------
    by_month : mapping of str to ndarray, each (months, columns)
    outputs : Catalogue

    Returns
    -------
    dict of ndarray, each (years, columns)

    Notes
    -----
    Months are added one at a time, in order: numpy's own reductions change
    summation order with the array's shape, and results must not depend on
    how many draws a chunk holds. :class:`YearlyAccumulator` adds in the same
    order, so both give identical numbers.
    """
    result: dict[str, FloatArray] = {}
    for name, spec in outputs.monthly.items():
        rule = spec.yearly
        if rule is None:
            continue
        values = by_month[name]
        months, columns = values.shape
        by_year = values.reshape(months // 12, 12, columns)
        if rule.how == "last":
            result[rule.name] = by_year[:, 11, :]  # a view: the results layer copies it into place
            continue
        # Every year at once, but month by month: the additions of YearlyAccumulator, in its order.
        total = by_year[:, 0, :].copy()
        for month in range(1, 12):
            total += by_year[:, month, :]
        result[rule.name] = total if rule.how == "sum" else total / 12.0
    return result


class YearlyAccumulator:
    """One monthly output reduced to years as the months arrive.

    Parameters
    ----------
    spec : OutputSpec
        A monthly output with a yearly rule.
    years, columns : int
        Shape of the result.
    """

    def __init__(self, spec: OutputSpec, years: int, columns: int) -> None:
        if spec.yearly is None:
            raise ValueError(f"output {spec.name!r} has no yearly rule")
        self.rule = spec.yearly
        self.values: FloatArray = np.empty((years, columns))

    def add(self, month: int, value: FloatArray) -> None:
        """Take month ``month``'s values."""
        year, within = divmod(month, 12)
        if self.rule.how == "last":
            if within == 11:
                self.values[year] = value
        elif within == 0:
            self.values[year] = value
        else:
            self.values[year] += value

    def result(self) -> FloatArray:
        """The yearly values, ``(years, columns)`` (means and annual-rate sums divided by 12)."""
        if self.rule.how in ("mean", "sum_of_rate"):
            return self.values / 12.0
        return self.values


@dataclass(frozen=True)
class DerivedYearly:
    """A yearly output computed from other yearly outputs (and the ruin month).

    Attributes
    ----------
    spec : OutputSpec
        Its declaration (``shape = "yearly"``).
    inputs : tuple of str
        Yearly outputs it needs.
    compute : callable
        ``compute(yearly, ruin_month, year_end_month) -> array``: ``yearly``
        maps names to ``(years, columns)`` arrays, ``ruin_month`` is
        ``(columns,)`` and ``year_end_month`` ``(years,)``.
    """

    spec: OutputSpec
    inputs: tuple[str, ...]
    compute: Callable[[Mapping[str, FloatArray], NDArray[np.int64], NDArray[np.int64]], FloatArray]


def _profit(yearly: Mapping[str, FloatArray], _ruin: NDArray[np.int64], _ends: NDArray[np.int64]) -> FloatArray:
    profit: FloatArray = yearly["year_revenue_usd"] - yearly["year_compute_payment_usd"] - yearly["year_other_opex_usd"]
    return profit


def _ruined(_yearly: Mapping[str, FloatArray], ruin: NDArray[np.int64], ends: NDArray[np.int64]) -> FloatArray:
    flags: FloatArray = ((ruin[None, :] >= 0) & (ruin[None, :] <= ends[:, None])).astype(float)
    return flags


#: Yearly outputs derived from others, in order.
DERIVED_YEARLY: tuple[DerivedYearly, ...] = (
    DerivedYearly(
        OutputSpec(
            "year_profit_usd",
            "USD",
            "profit",
            "revenue - compute payments - other operating costs",
            "flow",
            shape="yearly",
        ),
        ("year_revenue_usd", "year_compute_payment_usd", "year_other_opex_usd"),
        _profit,
    ),
    DerivedYearly(
        OutputSpec(
            "year_ruined", "1", "ruined", "whether the lab is ruined by the end of the year", "flag", shape="yearly"
        ),
        (),
        _ruined,
    ),
)


class Catalogue:
    """The outputs of an assembled model, by name.

    Parameters
    ----------
    outputs : iterable of OutputSpec
        Every output the components declare, in order. Names must be unique.
    derived : iterable of DerivedYearly
        Yearly outputs computed from others.
    """

    def __init__(self, outputs: Iterable[OutputSpec], derived: Iterable[DerivedYearly] = DERIVED_YEARLY) -> None:
        self.outputs: dict[str, OutputSpec] = {}
        for output in outputs:
            if output.name in self.outputs:
                raise ValueError(f"output {output.name!r} is declared twice")
            self.outputs[output.name] = output
        available = {o.yearly.name for o in self.outputs.values() if o.yearly is not None}
        self.derived: tuple[DerivedYearly, ...] = tuple(
            d for d in derived if all(name in available for name in d.inputs)
        )

    def __contains__(self, name: object) -> bool:
        return name in self.outputs or any(name == spec.name for spec in self.yearly.values())

    def __iter__(self) -> object:
        return iter(self.outputs.values())

    def of_shape(self, shape: Shape, per: Per | None = None) -> dict[str, OutputSpec]:
        """Outputs recorded as ``shape`` (and indexed ``per``), by name."""
        return {
            name: spec
            for name, spec in self.outputs.items()
            if spec.shape == shape and (per is None or spec.per == per)
        }

    @property
    def monthly(self) -> dict[str, OutputSpec]:
        """Monthly outputs, by name."""
        return self.of_shape("monthly")

    @property
    def yearly(self) -> dict[str, OutputSpec]:
        """Every yearly output: reduced from monthly ones, recorded by year, and derived; by name."""
        result: dict[str, OutputSpec] = {}
        for spec in self.monthly.values():
            if spec.yearly is not None:
                rule = spec.yearly
                result[rule.name] = OutputSpec(
                    rule.name,
                    rule.unit,
                    spec.label,
                    rule.description,
                    "flow" if rule.how.startswith("sum") else spec.kind,
                    per=spec.per,
                    shape="yearly",
                )
        result.update(self.of_shape("yearly"))
        for derived in self.derived:
            result[derived.spec.name] = derived.spec
        return result

    def spec(self, name: str) -> OutputSpec:
        """The declaration of output ``name`` (monthly, yearly, per-model or final).

        Raises
        ------
        KeyError
            If no component declares it.
        """
        if name in self.outputs:
            return self.outputs[name]
        yearly = self.yearly
        if name in yearly:
            return yearly[name]
        raise KeyError(f"no output named {name!r}; known: {', '.join(sorted([*self.outputs, *yearly]))}")

    def unit(self, name: str) -> str:
        """Unit of output ``name``."""
        return self.spec(name).unit

    def label(self, name: str) -> str:
        """Human label of output ``name``."""
        return self.spec(name).label


def milestone_label(name: str) -> str:
    """The human label of a capability milestone: the ladder's own, else its name in words.

    A milestone of the default ladder reads as
    :data:`~frontiersim.scenario.schema.MILESTONE_LABELS` names it; a
    scenario's own milestone has its underscores read as spaces and ``90pct``
    as ``90%``.

    Examples
    --------
    >>> milestone_label("engineer_demand_minus_90pct"), milestone_label("half_of_tasks_50pct")
    ('90% less demand for engineers', 'half of tasks 50%')
    """
    if name in MILESTONE_LABELS:
        return MILESTONE_LABELS[name]
    return re.sub(r"(\d+)pct\b", r"\1%", name.replace("_", " "))


def labelled_milestones(milestones: pd.DataFrame | None) -> pd.DataFrame | None:
    """A milestone table (:func:`frontiersim.results.tables.milestone_table`) with each milestone under its label.

    Parameters
    ----------
    milestones : pandas.DataFrame or None
        With a ``milestone`` column of milestone names.

    Returns
    -------
    pandas.DataFrame or None
        A copy whose ``milestone`` column holds :func:`milestone_label` of
        each name (None and tables without the column unchanged).
    """
    if milestones is None or "milestone" not in milestones.columns:
        return milestones
    labelled = milestones.copy()
    labelled["milestone"] = [milestone_label(str(name)) for name in milestones["milestone"]]
    return labelled

r"""The outcomes a sensitivity analysis apportions: one number per draw, read from a run's results.

Names
-----
* ``p_ruin``: whether the lab is ruined within the horizon (1 or 0). Its
  mean over draws is P(ruin); its variance, ``p (1 - p)``, is what the
  indices apportion (see ``docs/sensitivity.md`` for why the indicator of one
  draw is analysed, not a probability estimated per parameter row).
* ``p_ruin_including_runoff``: the same, counting ruin in the run-off after
  the horizon (when the scenario has one).
* ``p_ruin_by_YEAR``: ruined by the end of simulation year ``YEAR``.
* ``discounted_profit``: yearly profit discounted at mid-year,
  :math:`\sum_y \pi_y / (1 + r)^{y + 1/2}` with :math:`r` =
  :data:`DISCOUNT_RATE_PER_YEAR` (the default objective of ``frontiersim
  optimize``).
* ``<figure>_<YEAR>``, ``<figure>_final``: any yearly figure of the output
  catalogue (``revenue_usd_2028``, ``cash_usd_final``, ``capacity_gw_2027``),
  in one simulation year (the calendar year of its first month) or the last.
* ``<figure>_total``: a yearly flow summed over the horizon (``revenue_usd_total``).

The figures come from the output catalogue
(:func:`frontiersim.models.registry.catalogue`), so a component's own yearly
outputs are outcomes too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.registry import catalogue
from frontiersim.scenario.errors import did_you_mean
from frontiersim.scenario.schema import Scenario

if TYPE_CHECKING:
    import xarray as xr

FloatArray = NDArray[np.float64]

#: Yearly discount rate of ``discounted_profit`` (that of ``frontiersim optimize``'s default objective).
DISCOUNT_RATE_PER_YEAR = 0.08

#: The unit of an outcome that is 1 or 0 in each draw (its mean is a probability).
INDICATOR_UNIT = "probability"

Reading = Literal["ruin", "ruin_by_year", "discounted", "year", "total"]


class OutcomeError(ValueError):
    """An outcome name this scenario has no such outcome for; the message says what is expected."""


@dataclass(frozen=True)
class Outcome:
    """One outcome: its name, label and unit, and how it is read from one lab's results.

    Attributes
    ----------
    name : str
        As given on the command line (``p_ruin``, ``revenue_usd_2028``).
    label : str
        Human label (``"P(ruin within the horizon)"``, ``"revenue in 2028"``).
    unit : str
        ``"probability"`` for an indicator, else the figure's unit (``USD``, ``GW``).
    reading : str
        How it is read (internal).
    variable : str
        The dataset variable it reads.
    year_index : int
        For one year's figure: the index of the year (-1: the last).
    """

    name: str
    label: str
    unit: str
    reading: Reading
    variable: str
    year_index: int = -1

    def per_draw(self, dataset: xr.Dataset) -> FloatArray:
        """The outcome in each draw of one lab's dataset (:meth:`SimulationResult.lab_dataset`).

        Returns
        -------
        ndarray, shape (draws,)
        """
        values = dataset[self.variable].values
        if self.reading == "ruin":
            return np.asarray(values >= 0, dtype=np.float64)
        if self.reading in ("ruin_by_year", "year"):
            return np.asarray(values[:, self.year_index], dtype=np.float64)
        if self.reading == "total":
            return np.asarray(values.sum(axis=1), dtype=np.float64)
        years = np.arange(values.shape[1])
        factor = (1.0 + DISCOUNT_RATE_PER_YEAR) ** -(years + 0.5)
        return np.asarray(values @ factor, dtype=np.float64)


def simulation_years(scenario: Scenario) -> list[int]:
    """The labels of the scenario's simulation years: the calendar year of each year's first month.

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> simulation_years(bundled("default"))
    [2026, 2027, 2028, 2029, 2030]
    """
    first = int(scenario.meta.start[:4])
    return [first + k for k in range(scenario.meta.horizon_years)]


def _yearly_figures(scenario: Scenario) -> dict[str, tuple[str, str, str, bool]]:
    """Yearly figures by outcome stem (``revenue_usd``): variable, label, unit, and whether it is a flow."""
    return {
        name.removeprefix("year_"): (name, spec.label, spec.unit, spec.kind == "flow")
        for name, spec in catalogue(scenario).yearly.items()
        if name != "year_ruined" and name.startswith("year_")
    }


def outcome_names(scenario: Scenario) -> list[str]:
    """The outcome names of a scenario, with ``YEAR`` standing for a simulation year or ``final``.

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> names = outcome_names(bundled("default"))
    >>> names[:4]
    ['p_ruin', 'p_ruin_including_runoff', 'p_ruin_by_YEAR', 'discounted_profit']
    >>> "revenue_usd_YEAR" in names and "revenue_usd_total" in names and "cash_usd_total" not in names
    True
    """
    names = ["p_ruin"]
    if "ruin_month_including_runoff" in catalogue(scenario):
        names.append("p_ruin_including_runoff")
    names += ["p_ruin_by_YEAR", "discounted_profit"]
    for stem, (_, _, _, flow) in _yearly_figures(scenario).items():
        names.append(f"{stem}_YEAR")
        if flow:
            names.append(f"{stem}_total")
    return names


_YEARLY = re.compile(r"^(?P<stem>[a-z0-9_]+?)_(?P<year>\d{4}|final)$")


def resolve_outcome(name: str, scenario: Scenario) -> Outcome:
    """The outcome called ``name`` in ``scenario``.

    Raises
    ------
    OutcomeError
        For a name that is no outcome (with the closest name suggested) or a
        year outside the horizon.

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> resolve_outcome("revenue_usd_2028", bundled("default")).label
    'revenue in 2028'
    >>> resolve_outcome("p_rune", bundled("default"))
    Traceback (most recent call last):
    ...
    frontiersim.sensitivity.outcomes.OutcomeError: unknown outcome 'p_rune'; did you mean 'p_ruin'? ...
    """
    years = simulation_years(scenario)
    if name == "p_ruin":
        return Outcome(name, "P(ruin within the horizon)", INDICATOR_UNIT, "ruin", "ruin_month")
    if name == "p_ruin_including_runoff" and "ruin_month_including_runoff" in catalogue(scenario):
        return Outcome(name, "P(ruin including the run-off)", INDICATOR_UNIT, "ruin", "ruin_month_including_runoff")
    if name == "discounted_profit":
        label = f"discounted profit ({DISCOUNT_RATE_PER_YEAR:.0%} a year)"
        return Outcome(name, label, "USD", "discounted", "year_profit_usd")
    figures = _yearly_figures(scenario)
    stem, _, last = name.rpartition("_")
    if last == "total" and stem in figures and figures[stem][3]:
        variable, label, unit, _ = figures[stem]
        return Outcome(name, f"{label} over the horizon", unit, "total", variable)
    found = _YEARLY.match(name)
    if found is not None and (found["stem"] in figures or found["stem"] == "p_ruin_by"):
        year = found["year"]
        if year != "final" and int(year) not in years:
            raise OutcomeError(
                f"outcome {name!r}: {year} is not a simulation year of scenario {scenario.meta.name!r}; "
                f"expected {years[0]} to {years[-1]}, or 'final'"
            )
        index = -1 if year == "final" else years.index(int(year))
        shown = str(years[index])
        if found["stem"] == "p_ruin_by":
            return Outcome(name, f"P(ruin by the end of {shown})", INDICATOR_UNIT, "ruin_by_year", "year_ruined", index)
        variable, label, unit, _ = figures[found["stem"]]
        return Outcome(name, f"{label} in {shown}", unit, "year", variable, index)
    names = outcome_names(scenario)
    given_year = last if last.isdigit() or last == "final" else str(years[-1])
    concrete = [n.replace("YEAR", given_year) for n in names]
    raise OutcomeError(
        f"unknown outcome {name!r}{did_you_mean(name, concrete)} (outcomes: {', '.join(names)}; "
        f"YEAR is {years[0]} to {years[-1]} or 'final')"
    )

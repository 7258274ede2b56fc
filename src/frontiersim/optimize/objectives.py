"""What a procurement policy is judged on, per draw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import xarray as xr

FloatArray = NDArray[np.float64]
ObjectiveName = Literal["discounted_profit", "revenue", "terminal_equity"]
OBJECTIVE_NAMES: tuple[str, ...] = ("discounted_profit", "revenue", "terminal_equity")


@dataclass(frozen=True)
class Objective:
    r"""A per-draw objective to maximise.

    Parameters
    ----------
    name : {"discounted_profit", "revenue", "terminal_equity"}
        * ``discounted_profit``: yearly profit (plus the research value of
          training compute) discounted at mid-year,
          :math:`\sum_y (\pi_y + v T_y) / (1 + r)^{y + 1/2}`;
        * ``revenue``: total revenue served over the horizon (upside captured);
        * ``terminal_equity``: cash at the end plus a revenue-multiple
          valuation of the last year's revenue, less contract payments owed
          after the horizon; zero for a ruined lab (limited liability).
    discount_rate_per_year : float
        :math:`r`, for ``discounted_profit``.
    research_value_share : float
        :math:`v`, value of a dollar of training compute as research, for
        ``discounted_profit`` (0: training is a pure cost; the salvage value
        of unused compute in the newsvendor view).
    valuation_revenue_multiple : float
        For ``terminal_equity``.
    """

    name: ObjectiveName = "discounted_profit"
    discount_rate_per_year: float = 0.08
    research_value_share: float = 0.0
    valuation_revenue_multiple: float = 10.0

    def __post_init__(self) -> None:
        if self.name not in OBJECTIVE_NAMES:
            raise ValueError(f"unknown objective {self.name!r}; choose one of {', '.join(OBJECTIVE_NAMES)}")
        if self.discount_rate_per_year <= -1:
            raise ValueError("discount_rate_per_year must be > -1")
        if not 0 <= self.research_value_share <= 1:
            raise ValueError("research_value_share must be in [0, 1]")
        if self.valuation_revenue_multiple < 0:
            raise ValueError("valuation_revenue_multiple must be >= 0")

    @property
    def unit(self) -> str:
        """Unit of the objective's values."""
        return "USD"

    def describe(self) -> str:
        """A short human-readable label."""
        return {
            "discounted_profit": f"expected discounted profit (r = {self.discount_rate_per_year:.0%})",
            "revenue": "expected revenue served",
            "terminal_equity": f"expected terminal equity (cash + {self.valuation_revenue_multiple:g}x revenue)",
        }[self.name]

    def per_draw(self, dataset: xr.Dataset) -> FloatArray:
        """The objective's value in each draw, USD.

        Parameters
        ----------
        dataset : xarray.Dataset
            One lab's dataset of a simulation result (yearly arrays suffice),
            such as :meth:`SimulationResult.lab_dataset
            <frontiersim.results.result.SimulationResult.lab_dataset>`; a
            dataset whose ``lab`` dimension holds one lab is that lab's.

        Raises
        ------
        ValueError
            For a dataset of several labs.
        """
        if "lab" in dataset.dims:
            if dataset.sizes["lab"] != 1:
                raise ValueError(
                    f"the objective is one lab's, and this dataset has {dataset.sizes['lab']} labs: "
                    "pass one lab's dataset (SimulationResult.lab_dataset(name))"
                )
            dataset = dataset.isel(lab=0)
        if self.name == "revenue":
            return np.asarray(dataset["year_revenue_usd"].sum("year").values, dtype=float)
        if self.name == "discounted_profit":
            years = np.arange(dataset.sizes["year"])
            factor = (1.0 + self.discount_rate_per_year) ** -(years + 0.5)
            gain = (
                dataset["year_profit_usd"].values + self.research_value_share * dataset["year_training_cost_usd"].values
            )
            return np.asarray(gain @ factor, dtype=float)
        cash = dataset["year_cash_usd"].values[:, -1]
        revenue = dataset["year_revenue_usd"].values[:, -1]
        equity = cash + self.valuation_revenue_multiple * revenue - dataset["obligations_after_horizon_usd"].values
        ruined = dataset["ruin_month"].values >= 0
        return np.where(ruined, 0.0, np.maximum(equity, 0.0))

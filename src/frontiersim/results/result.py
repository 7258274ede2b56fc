"""The result of a simulation: a labelled dataset with summaries and savers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from frontiersim.atomic import atomic_write_bytes, atomic_write_with
from frontiersim.environment import software_versions
from frontiersim.results.build import lab_position

#: Metrics in the summary table: dataset variable -> label.
SUMMARY_METRICS: dict[str, str] = {
    "year_revenue_usd": "revenue",
    "year_profit_usd": "profit",
    "year_cash_usd": "cash at year end",
    "year_unserved_usd": "unserved demand",
    "year_compute_payment_usd": "compute payments",
    "year_capacity_gw": "capacity (GW, average)",
}

#: Per-year company P&L lines: label -> dataset variable.
PNL_LINES: dict[str, str] = {
    "revenue": "year_revenue_usd",
    "inference cost": "year_inference_cost_usd",
    "training cost": "year_training_cost_usd",
    "other operating costs": "year_other_opex_usd",
    "profit": "year_profit_usd",
    "financing": "year_financing_usd",
    "cash at year end": "year_cash_usd",
    "unserved demand": "year_unserved_usd",
}

#: Columns of the per-model P&L: label -> dataset variable.
COHORT_LINES: dict[str, str] = {
    "training cost": "model_training_cost_usd",
    "revenue": "model_revenue_usd",
    "inference cost": "model_inference_cost_usd",
    "net": "model_net_usd",
}

Statistic = Literal["mean", "median"]
ResultFormat = Literal["netcdf", "parquet"]


def select_lab(dataset: xr.Dataset, name: str) -> xr.Dataset:
    """One lab's variables without the ``lab`` dimension, with the lab's own inputs under the shared names.

    A declared lab that sets an uncertain key has its draws in
    ``input.labs.NAME.<path>``; in the lab's dataset they are ``input.<path>``,
    where a lab without its own value has the shared draw.
    """
    selected = dataset.sel(lab=name)
    prefix = f"input.labs.{name}."
    own = {str(v): "input." + str(v)[len(prefix) :] for v in selected.data_vars if str(v).startswith(prefix)}
    others = [str(v) for v in selected.data_vars if str(v).startswith("input.labs.") and str(v) not in own]
    selected = selected.drop_vars([*others, *(target for target in own.values() if target in selected)])
    return selected.rename(own)


def save_run_files(folder: Path, attrs: Mapping[str, object], summary: pd.DataFrame) -> list[Path]:
    """Write a run's ``summary.csv``, ``run.json`` (its attributes and software) and ``scenario.toml``, atomically."""
    summary_path = folder / "summary.csv"
    atomic_write_bytes(summary_path, summary.to_csv().encode("utf-8"))
    metadata = {k: v for k, v in attrs.items() if k != "scenario_toml"}
    metadata["software"] = software_versions()
    metadata_path = folder / "run.json"
    atomic_write_bytes(metadata_path, json.dumps(metadata, indent=2, default=str).encode("utf-8"))
    written = [summary_path, metadata_path]
    scenario_text = attrs.get("scenario_toml")
    if isinstance(scenario_text, str) and scenario_text:
        scenario_path = folder / "scenario.toml"
        atomic_write_bytes(scenario_path, scenario_text.encode("utf-8"))
        written.append(scenario_path)
    return written


class SimulationResult:
    """Monte Carlo results of one scenario.

    Parameters
    ----------
    dataset : xarray.Dataset
        Dimensions ``draw``, ``lab``, ``year``, ``model`` and (unless the run
        was summary-only) ``month``. Units are in each variable's attributes.
        Per-lab variables have dims ``(draw, lab, ...)``; market variables
        ``(draw, ...)``.

    Notes
    -----
    The figures of one lab come from :meth:`lab` (or the ``lab`` argument of
    each method); with one lab, that lab is the default.

    Examples
    --------
    >>> import frontiersim as fs
    >>> result = fs.simulate(fs.bundled("default"), draws=200, seed=1)
    >>> float(result.ruin_probability()) <= 1.0
    True
    """

    def __init__(self, dataset: xr.Dataset) -> None:
        self.dataset = dataset

    # -- basic figures ------------------------------------------------------
    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.dataset.sizes["draw"])

    @property
    def has_monthly(self) -> bool:
        """Whether monthly arrays were kept (False for summary-only runs)."""
        return "month" in self.dataset.dims

    @property
    def labs(self) -> list[str]:
        """Names of the labs, in order (one name for a result of one lab)."""
        if "lab" not in self.dataset.dims:
            return [str(self.dataset["lab"].item())] if "lab" in self.dataset.coords else []
        return [str(name) for name in self.dataset["lab"].values]

    def lab(self, name: str | None = None) -> SimulationResult:
        """The result of one lab: the same variables without the ``lab`` dimension.

        Parameters
        ----------
        name : str, optional
            The lab; may be left out when there is only one.

        Raises
        ------
        ValueError
            For an unknown lab, or no name when there are several labs.
        """
        return SimulationResult(self.lab_dataset(name))

    def lab_dataset(self, name: str | None = None) -> xr.Dataset:
        """The dataset of one lab (see :meth:`lab`)."""
        if "lab" not in self.dataset.dims:
            if name is not None and name not in self.labs:
                raise ValueError(f"this result is lab {', '.join(self.labs)!r}'s, not {name!r}'s")
            return self.dataset
        labs = self.labs
        return select_lab(self.dataset, labs[lab_position(labs, name)])

    def ruin_probability(self, lab: str | None = None, *, including_runoff: bool = False) -> float:
        """Share of draws in which the lab is ruined within the horizon (or, optionally, in the run-off).

        Parameters
        ----------
        lab : str, optional
            Required when the run has several labs.
        including_runoff : bool
            Count ruin in the run-off after the horizon too: the lab signs
            nothing new and pays its contracts to their end
            (:mod:`frontiersim.models.components.runoff`).
        """
        dataset = self.lab_dataset(lab)
        name = (
            "ruin_month_including_runoff"
            if including_runoff and "ruin_month_including_runoff" in dataset
            else "ruin_month"
        )
        return float((dataset[name] >= 0).mean())

    def obligations_after_horizon(self, lab: str | None = None, statistic: Statistic = "median") -> float:
        """Contract payments owed after the horizon, over the draws in which the lab survives it, USD.

        NaN when the lab survives in no draw.
        """
        dataset = self.lab_dataset(lab)
        owed = np.asarray(dataset["obligations_after_horizon_usd"].values)[np.asarray(dataset["ruin_month"].values) < 0]
        if not owed.size:
            return float("nan")
        return float(np.median(owed) if statistic == "median" else np.mean(owed))

    def ruin_probability_by_year(self, lab: str | None = None) -> pd.Series:
        """Share of draws ruined by the end of each year."""
        values = self.lab_dataset(lab)["year_ruined"].mean("draw").to_series()
        values.name = "P(ruin by year end)"
        return values

    # -- tables -------------------------------------------------------------
    def summary(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95), lab: str | None = None) -> pd.DataFrame:
        """P(ruin) and quantiles of the key yearly outcomes.

        Parameters
        ----------
        quantiles : sequence of float
            Quantiles reported for each metric.
        lab : str, optional
            One lab's table. Without it, a run of several labs gives every
            lab's, with ``lab`` as the outer level of the rows.

        Returns
        -------
        pandas.DataFrame
            Rows ``(metric, statistic)``; columns are years. Money is in USD.
            The first row is ``("P(ruin by year end)", "probability")``.
        """
        if lab is None and len(self.labs) > 1:
            return pd.concat({name: self.summary(quantiles, name) for name in self.labs}, names=["lab"])
        dataset = self.lab_dataset(lab)
        years = dataset["year"].values
        rows: dict[tuple[str, str], np.ndarray] = {
            ("P(ruin by year end)", "probability"): dataset["year_ruined"].mean("draw").values
        }
        for variable, label in SUMMARY_METRICS.items():
            data = dataset[variable]
            rows[(label, "mean")] = data.mean("draw").values
            for q in quantiles:
                rows[(label, f"p{100 * q:g}")] = data.quantile(q, dim="draw").values
        table = pd.DataFrame.from_dict(rows, orient="index", columns=years)
        table.index = pd.MultiIndex.from_tuples(table.index, names=["metric", "statistic"])
        table.columns.name = "year"
        return table

    def _over_draws(self, name: str, statistic: Statistic, lab: str | None) -> np.ndarray:
        data = self.lab_dataset(lab)[name]
        reduced = data.mean("draw") if statistic == "mean" else data.median("draw")
        return np.asarray(reduced.values)

    def company_pnl(self, statistic: Statistic = "mean", lab: str | None = None) -> pd.DataFrame:
        """Company profit and loss by year (mean or median over draws), USD.

        Profit is revenue minus inference, training and other operating
        costs; financing is shown below the line.
        """
        table = pd.DataFrame(
            {label: self._over_draws(name, statistic, lab) for label, name in PNL_LINES.items()},
            index=pd.Index(self.dataset["year"].values, name="year"),
        )
        return table.T

    def cohort_pnl(self, statistic: Statistic = "mean", lab: str | None = None) -> pd.DataFrame:
        """Per-model P&L ("each model is a company"), USD, mean or median over draws."""
        table = pd.DataFrame(
            {label: self._over_draws(name, statistic, lab) for label, name in COHORT_LINES.items()},
            index=pd.Index(self.dataset["model_name"].values, name="model"),
        )
        table.insert(0, "release month", self.dataset["release_month"].values)
        return table

    def to_dataframe(self, level: Literal["yearly", "monthly", "cohorts", "draws"] = "yearly") -> pd.DataFrame:
        """A long table of one level of the results (one row per draw and period)."""
        ds = self.dataset
        period = {"monthly": "month", "yearly": "year", "cohorts": "model", "draws": None}[level]
        if level == "monthly" and not self.has_monthly:
            raise ValueError("this run kept no monthly arrays (summary-only); re-run without --summary-only")
        # Every variable indexed by draw (and lab) and the level's period, or by neither period: market
        # variables and per-draw inputs are repeated for each lab, so no figure is left out.
        allowed = {"draw", "lab"} | ({period} if period else set())
        names = [
            v
            for v in ds.data_vars
            if set(ds[v].dims) <= allowed and "draw" in ds[v].dims and (period is None or period in ds[v].dims)
        ]
        frame = ds[names].drop_vars("date", errors="ignore").to_dataframe()
        lab = ["lab"] if "lab" in ds.dims else []
        order = ["draw", *lab, *([period] if period else [])]
        return frame.reorder_levels(order).sort_index() if len(order) > 1 else frame

    # -- saving -------------------------------------------------------------
    def to_netcdf(self, path: str | Path) -> Path:
        """Write the whole dataset to one NetCDF-4 file, atomically."""
        path = Path(path)
        dataset = self.dataset.copy()
        dataset.attrs = {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in dataset.attrs.items()}
        atomic_write_with(path, lambda tmp: dataset.to_netcdf(tmp, engine="h5netcdf"))
        return path

    def to_parquet(self, folder: str | Path) -> list[Path]:
        """Write one Parquet file per level (yearly, cohorts, draws, monthly if kept), atomically."""
        folder = Path(folder)
        levels: list[Literal["yearly", "monthly", "cohorts", "draws"]] = ["yearly", "cohorts", "draws"]
        if self.has_monthly:
            levels.append("monthly")
        written = []
        for level in levels:
            frame = self.to_dataframe(level)
            path = folder / f"{level}.parquet"
            atomic_write_with(path, partial(frame.to_parquet, engine="pyarrow"))
            written.append(path)
        return written

    def save(self, folder: str | Path, format: ResultFormat = "netcdf") -> list[Path]:
        """Save results, the summary table and the run's metadata into ``folder``.

        Every file is written to a temporary name and renamed into place, so
        a run that fails part-way leaves earlier files intact.
        """
        folder = Path(folder)
        written = self.to_parquet(folder) if format == "parquet" else [self.to_netcdf(folder / "results.nc")]
        return written + save_run_files(folder, self.dataset.attrs, self.summary())

    @classmethod
    def from_netcdf(cls, path: str | Path) -> SimulationResult:
        """Read results written by :meth:`to_netcdf`."""
        with xr.open_dataset(path, engine="h5netcdf") as dataset:
            return cls(dataset.load())

    # -- display ------------------------------------------------------------
    def __repr__(self) -> str:
        name = self.dataset.attrs.get("scenario_name", "?")
        ruin = ", ".join(f"{lab}={self.ruin_probability(lab):.3f}" for lab in self.labs)
        return f"<SimulationResult scenario={name!r} draws={self.draws} P(ruin): {ruin} monthly={self.has_monthly}>"

    def _repr_html_(self) -> str:
        return self.dataset._repr_html_()

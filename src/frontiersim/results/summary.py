"""A run kept as distributions over draws, not per-draw numbers (:func:`frontiersim.simulate_summary`).

:class:`SummaryAccumulator` adds each chunk's per-draw outputs to sketches
(:mod:`frontiersim.results.sketch`) and drops the chunk, so a run's memory is
its sketches and one chunk, whatever its number of draws: about 130 MiB per
lab for the default scenario over ten years, where a million draws of
per-draw outputs take 3.1 GiB. :class:`SummaryResult` answers what the
headline, summary and P&L tables of a :class:`~frontiersim.results.result.SimulationResult`
answer: shares of draws and means to the last bits of a sum, quantiles to
within 0.39% (:mod:`~frontiersim.results.sketch`), month counts exactly.

What it cannot answer is what needs the draws themselves: correlations
(drivers, sensitivity), per-draw tables, and statistics conditional on
something other than surviving the horizon.

:meth:`SummaryResult.save` keeps the sketches themselves beside the
statistics (non-zero bins only: a few MB for the default scenario), and
:meth:`SummaryResult.from_netcdf` reopens the run from them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.catalogue import Catalogue, OutputSpec
from frontiersim.models.registry import catalogue
from frontiersim.results.build import ChunkReduction, input_attrs, lab_position, model_labels, trailing_shape
from frontiersim.results.sketch import COUNT_DTYPE, FLOAT_COLUMN_BYTES, FloatSketch, IntegerSketch, Sketch, add_chunk
from frontiersim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

FloatArray = NDArray[np.float64]

#: Quantiles :meth:`SummaryResult.to_dataset` reports by default.
DATASET_QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
#: Final outputs also sketched over the draws in which the lab survives the horizon.
SURVIVOR_OUTPUTS = ("obligations_after_horizon_usd",)
#: The netCDF group of ``distributions.nc`` that holds the sketches themselves (:meth:`SummaryResult.from_netcdf`).
SKETCH_GROUP = "sketches"
#: Version of the sketches' layout in that group.
SKETCH_FORMAT = 1


def sketch_bytes(scenario: Scenario, outputs: Catalogue, parameters: int) -> int:
    """Bytes the sketches of a summary run take (:class:`SummaryAccumulator`), whatever its draws.

    Float outputs take :data:`~frontiersim.results.sketch.FLOAT_COLUMN_BYTES`
    per column (lab, year, model, ...), about 320 KB; integer outputs (months)
    a few KB.
    """
    labs = len(scenario.lab_names)
    columns = parameters + labs * len(SURVIVOR_OUTPUTS)
    integers = 0
    for spec in [*outputs.yearly.values(), *outputs.outputs.values()]:
        if spec.shape == "monthly":
            continue
        width = (labs if spec.per == "lab" else 1) * int(np.prod(trailing_shape(scenario, spec), dtype=np.int64))
        if spec.dtype == "int":
            integers += width
        else:
            columns += width
    month_values = scenario.horizon_months * 2 + 2  # months of the horizon and of a run-off
    return columns * FLOAT_COLUMN_BYTES + integers * month_values * 8


def _new_sketch(spec: OutputSpec, columns: int) -> Sketch:
    return IntegerSketch(columns) if spec.dtype == "int" else FloatSketch(columns)


class SummaryAccumulator:
    """Sketches of every per-draw output of a run, filled chunk by chunk in the order of the draws.

    Parameters
    ----------
    scenario : Scenario
    draws : int
        Total number of draws.
    parameter_names : sequence of str
        Stream names of the sampled parameters (each sketched too).
    outputs : Catalogue, optional
        The scenario's outputs (by default, its components').
    """

    keep_monthly = False

    def __init__(
        self,
        scenario: Scenario,
        draws: int,
        parameter_names: Sequence[str],
        outputs: Catalogue | None = None,
    ) -> None:
        self.scenario = scenario
        self.draws = draws
        self.catalogue = outputs if outputs is not None else catalogue(scenario)
        self.labs = len(scenario.lab_names)
        self.specs: dict[str, OutputSpec] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.sketches: dict[str, Sketch] = {}
        for spec in [*self.catalogue.yearly.values(), *self.catalogue.outputs.values()]:
            if spec.shape == "monthly":
                continue
            shape = ((self.labs,) if spec.per == "lab" else ()) + trailing_shape(scenario, spec)
            self.specs[spec.name] = spec
            self.shapes[spec.name] = shape
            self.sketches[spec.name] = _new_sketch(spec, int(np.prod(shape, dtype=np.int64)))
        self.survivors: dict[str, FloatSketch] = {
            name: FloatSketch(self.labs) for name in SURVIVOR_OUTPUTS if name in self.sketches
        }
        self.parameters = {name: FloatSketch(1) for name in parameter_names}
        self._next = 0

    @property
    def nbytes(self) -> int:
        """Bytes the sketches hold."""
        every = [*self.sketches.values(), *self.survivors.values(), *self.parameters.values()]
        return sum(sketch.nbytes for sketch in every)

    def monthly_views(self, start: int, stop: int) -> dict[str, FloatArray]:
        """No monthly arrays are kept: nothing to write into."""
        return {}

    def fault_in(self, start: int, stop: int) -> None:
        """Nothing to map ahead: the sketches are allocated once."""

    def add(self, chunk: ChunkReduction) -> None:
        """Add one chunk's draws to the sketches (chunks must come in the order of the draws).

        Raises
        ------
        ValueError
            When the chunk does not start where the one before stopped: sums
            are made one draw after another, so their order is the draws'.
        """
        if chunk.start != self._next:
            raise ValueError(f"chunk {chunk.start}:{chunk.stop} added after draw {self._next}: add chunks in order")
        floats: list[tuple[FloatSketch, NDArray[Any]]] = []
        for name, sketch in self.sketches.items():
            values = chunk.arrays[name]
            if isinstance(sketch, IntegerSketch):
                sketch.add(values.reshape(values.shape[0], -1))
            else:
                floats.append((sketch, values))
        ruined = chunk.arrays["ruin_month"].reshape(chunk.stop - chunk.start, -1) >= 0
        for name, sketch in self.survivors.items():
            values = chunk.arrays[name].reshape(chunk.stop - chunk.start, -1)
            floats.append((sketch, np.where(ruined, np.nan, values)))
        for name, sketch in self.parameters.items():
            floats.append((sketch, chunk.parameters[name][:, None]))
        add_chunk(floats)
        self._next = chunk.stop

    def result(self, attrs: Mapping[str, object]) -> SummaryResult:
        """The run's :class:`SummaryResult`, once every draw is added."""
        if self._next != self.draws:
            raise ValueError(f"{self.draws - self._next} draws have not been simulated")
        return SummaryResult(self, dict(attrs))


class SummaryResult:
    """Distributions over draws of every per-draw output of a run, without the draws.

    Made by :func:`frontiersim.simulate_summary`, or reopened from a saved
    run by :meth:`from_netcdf`. Shares (P(ruin)) and
    month quantiles are exact; means are sums made in the order of the draws
    (equal to a full run's to about 1e-15, relative); quantiles of float
    outputs are within 0.39% of the exact ones (:mod:`~frontiersim.results.sketch`).
    The figures are the same whatever the chunk size and worker count.
    """

    def __init__(self, accumulator: SummaryAccumulator, attrs: dict[str, object]) -> None:
        self.attrs = attrs
        self.scenario = accumulator.scenario
        self.specs = accumulator.specs
        self.shapes = accumulator.shapes
        self.sketches = accumulator.sketches
        self.survivors = accumulator.survivors
        self.parameters = accumulator.parameters
        self.draws = accumulator.draws
        self.nbytes = accumulator.nbytes

    @property
    def labs(self) -> list[str]:
        """Lab names."""
        return list(self.scenario.lab_names)

    @property
    def years(self) -> list[int]:
        """Calendar year of each simulated year."""
        first = int(str(self.scenario.meta.start)[:4])
        return [first + k for k in range(self.scenario.meta.horizon_years)]

    def __repr__(self) -> str:
        return (
            f"<SummaryResult {self.attrs.get('scenario_name', '')!r}: {self.draws:,} draws, labs {self.labs}, "
            f"{len(self.sketches)} outputs sketched in {self.nbytes / 1024**2:,.0f} MiB>"
        )

    # -- reading one output -------------------------------------------------
    def lab_index(self, lab: str | None) -> int:
        """Position of a lab (None: the only lab), or a ValueError naming the labs."""
        return lab_position(self.labs, lab)

    def _sketch(self, name: str) -> Sketch:
        if name not in self.sketches:
            raise KeyError(f"no per-draw output {name!r}; outputs: {', '.join(self.sketches)}")
        return self.sketches[name]

    def lab_columns(self, name: str, lab: str | None) -> slice:
        """Columns of one lab's values of a per-lab output (all columns of a market output)."""
        spec, shape = self.specs[name], self.shapes[name]
        if spec.per != "lab":
            return slice(None)
        width = int(np.prod(shape[1:], dtype=np.int64))
        index = self.lab_index(lab)
        return slice(index * width, (index + 1) * width)

    def means(self, name: str, lab: str | None = None) -> FloatArray:
        """Mean over draws of an output (one lab's), shaped as its trailing dimensions (years, models, ...)."""
        values = self._sketch(name).means()[self.lab_columns(name, lab)]
        return values.reshape(self._trailing_shape(name))

    def quantiles(self, name: str, levels: Sequence[float], lab: str | None = None) -> FloatArray:
        """Quantiles over draws of an output (one lab's): ``(len(levels), *trailing)``."""
        values = self._sketch(name).quantiles(levels)[:, self.lab_columns(name, lab)]
        return values.reshape(len(levels), *self._trailing_shape(name))

    def _trailing_shape(self, name: str) -> tuple[int, ...]:
        shape = self.shapes[name]
        return shape[1:] if self.specs[name].per == "lab" else shape

    def units(self) -> dict[str, tuple[str, str]]:
        """Unit and label of every output and sampled input (``input.<stream>``), as the catalogue declares them."""
        units = {name: (spec.unit, spec.label) for name, spec in self.specs.items()}
        extra = {name: type(section) for name, section in self.scenario.extensions}
        for name in self.parameters:
            attrs = input_attrs(name, extra)
            units[f"input.{name}"] = (attrs.get("units", ""), attrs.get("long_name", name))
        return units

    def ruined_draws(self, *, including_runoff: bool = False) -> NDArray[np.int64]:
        """Draws in which each lab is ruined within the horizon (or, optionally, in the run-off too)."""
        name = (
            "ruin_month_including_runoff"
            if including_runoff and "ruin_month_including_runoff" in self.sketches
            else "ruin_month"
        )
        sketch = self.sketches[name]
        assert isinstance(sketch, IntegerSketch)
        ruined: NDArray[np.int64] = sketch.counts[:, 1:].sum(axis=1)  # the first position holds -1
        return ruined

    # -- what a SimulationResult answers ------------------------------------
    def ruin_probability(self, lab: str | None = None, *, including_runoff: bool = False) -> float:
        """Share of draws in which the lab is ruined within the horizon (or, optionally, in the run-off)."""
        return float(self.ruined_draws(including_runoff=including_runoff)[self.lab_index(lab)] / self.draws)

    def obligations_after_horizon(self, lab: str | None = None, statistic: str = "median") -> float:
        """Contract payments owed after the horizon, over the draws in which the lab survives it, USD."""
        sketch = self.survivors["obligations_after_horizon_usd"]
        index = self.lab_index(lab)
        if statistic == "median":
            return float(sketch.quantiles([0.5])[0, index])
        return float(sketch.means()[index])

    def ruin_curve(self, lab: str | None = None) -> FloatArray:
        """Share of draws ruined at or before each month of the horizon (exact)."""
        sketch = self.sketches["ruin_month"]
        assert isinstance(sketch, IntegerSketch)
        months = self.scenario.horizon_months
        counts = np.zeros(months, dtype=np.int64)
        own = sketch.counts[self.lab_index(lab), 1:]  # value 0 onwards (the first position holds -1)
        counts[: min(own.size, months)] = own[:months]
        return np.cumsum(counts) / max(self.draws, 1)

    def ruin_probability_by_year(self, lab: str | None = None) -> pd.Series:
        """Share of draws ruined by the end of each year."""
        import pandas as pd  # noqa: PLC0415

        values = pd.Series(self.means("year_ruined", lab), index=pd.Index(self.years, name="year"))
        values.name = "P(ruin by year end)"
        return values

    def summary(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95), lab: str | None = None) -> pd.DataFrame:
        """P(ruin) and quantiles of the key yearly outcomes, as :meth:`SimulationResult.summary` gives them."""
        import pandas as pd  # noqa: PLC0415

        from frontiersim.results.result import SUMMARY_METRICS  # noqa: PLC0415 (xarray, only to tabulate)

        if lab is None and len(self.labs) > 1:
            return pd.concat({name: self.summary(quantiles, name) for name in self.labs}, names=["lab"])
        rows: dict[tuple[str, str], FloatArray] = {
            ("P(ruin by year end)", "probability"): self.means("year_ruined", lab)
        }
        for variable, label in SUMMARY_METRICS.items():
            rows[(label, "mean")] = self.means(variable, lab)
            levels = self.quantiles(variable, quantiles, lab)
            for k, q in enumerate(quantiles):
                rows[(label, f"p{100 * q:g}")] = levels[k]
        table = pd.DataFrame.from_dict(rows, orient="index", columns=self.years)
        table.index = pd.MultiIndex.from_tuples(table.index, names=["metric", "statistic"])
        table.columns.name = "year"
        return table

    def _over_draws(self, name: str, statistic: str, lab: str | None) -> FloatArray:
        return self.means(name, lab) if statistic == "mean" else self.quantiles(name, [0.5], lab)[0]

    def company_pnl(self, statistic: str = "mean", lab: str | None = None) -> pd.DataFrame:
        """Company profit and loss by year (mean or median over draws), USD."""
        import pandas as pd  # noqa: PLC0415

        from frontiersim.results.result import PNL_LINES  # noqa: PLC0415

        table = pd.DataFrame(
            {label: self._over_draws(name, statistic, lab) for label, name in PNL_LINES.items()},
            index=pd.Index(self.years, name="year"),
        )
        return table.T

    def cohort_pnl(self, statistic: str = "mean", lab: str | None = None) -> pd.DataFrame:
        """Per-model P&L ("each model is a company"), USD, mean or median over draws."""
        import pandas as pd  # noqa: PLC0415

        from frontiersim.results.result import COHORT_LINES  # noqa: PLC0415

        names, release_months = model_labels(self.scenario)
        table = pd.DataFrame(
            {label: self._over_draws(name, statistic, lab) for label, name in COHORT_LINES.items()},
            index=pd.Index(names, name="model"),
        )
        table.insert(0, "release month", release_months)
        return table

    # -- export -------------------------------------------------------------
    def save(self, folder: str | Path) -> list[Path]:
        """Save ``distributions.nc``, ``summary.csv``, ``run.json`` and ``scenario.toml``.

        ``distributions.nc`` holds the statistics of :meth:`to_dataset` and,
        in its group ``sketches``, the sketches themselves
        (:meth:`sketch_dataset`), from which :meth:`from_netcdf` reopens the
        run. Every file is written to a temporary name and renamed into place.
        """
        from frontiersim.atomic import atomic_write_with  # noqa: PLC0415
        from frontiersim.results.result import save_run_files  # noqa: PLC0415

        folder = Path(folder)
        path = folder / "distributions.nc"
        atomic_write_with(path, self.to_netcdf)
        return [path, *save_run_files(folder, self.attrs, self.summary())]

    def to_netcdf(self, path: str | Path) -> None:
        """Write :meth:`to_dataset` and, in the group ``sketches``, :meth:`sketch_dataset` to ``path``."""
        self.to_dataset().to_netcdf(path, engine="h5netcdf")
        self.sketch_dataset().to_netcdf(path, mode="a", group=SKETCH_GROUP, engine="h5netcdf")

    def _every_sketch(self) -> list[tuple[str, dict[str, Any], str]]:
        """Every sketch as (the name it is saved as, the dict holding it, its key there).

        Outputs under their names, then ``survivors.<output>`` and ``input.<stream>``.
        """
        return [
            *((name, self.sketches, name) for name in self.sketches),
            *((f"survivors.{name}", self.survivors, name) for name in self.survivors),
            *((f"input.{name}", self.parameters, name) for name in self.parameters),
        ]

    def sketch_dataset(self) -> xr.Dataset:
        """The sketches themselves, packed into a few arrays, as :meth:`from_netcdf` reads them back.

        Float sketches (coordinate ``float_sketch``: outputs,
        ``survivors.<output>`` and ``input.<stream>``) lie one after another:
        their columns along ``float_column`` (``float_sketch_columns`` each;
        ``sum``, ``nan_count``, ``min`` and ``max``) and their non-zero bins
        along ``nonzero`` (``float_sketch_nonzero`` each; ``nonzero_column``,
        a position along ``float_column``, ``nonzero_bin`` and
        ``nonzero_count``), as :meth:`FloatSketch.state` gives them. Integer
        sketches (coordinate ``integer_sketch``): ``integer_counts`` along
        ``integer_column`` and ``integer_value`` (each sketch's first
        ``integer_sketch_values``, zeros beyond) and ``integer_sum``. The run's
        attributes are kept whole, as JSON, in the attribute ``run_json``.
        """
        import xarray as xr  # noqa: PLC0415

        every = [(name, holder[key]) for name, holder, key in self._every_sketch()]
        floats = [(name, sketch) for name, sketch in every if isinstance(sketch, FloatSketch)]
        integers = [(name, sketch) for name, sketch in every if isinstance(sketch, IntegerSketch)]
        states = [sketch.state() for _, sketch in floats]
        float_columns = [sketch.columns for _, sketch in floats]
        integer_columns = [sketch.columns for _, sketch in integers]
        counts = np.zeros((sum(integer_columns), max((s.counts.shape[1] for _, s in integers), default=1)), np.int64)
        for (_, sketch), rows in zip(integers, _runs(integer_columns), strict=True):
            counts[rows, : sketch.counts.shape[1]] = sketch.counts
        data_vars: dict[str, object] = {
            "float_sketch_columns": ("float_sketch", np.array(float_columns, dtype=np.int64)),
            "float_sketch_nonzero": ("float_sketch", np.array([st["count"].size for st in states], dtype=np.int64)),
            **{
                field: ("float_column", _joined([st[field] for st in states], dtype)) for field, dtype in _COLUMN_FIELDS
            },
            "nonzero_column": (
                "nonzero",
                _joined(
                    [st["column"] + at.start for st, at in zip(states, _runs(float_columns), strict=True)], np.int32
                ),
            ),
            "nonzero_bin": ("nonzero", _joined([st["bin"] for st in states], np.int32)),
            "nonzero_count": ("nonzero", _joined([st["count"] for st in states], COUNT_DTYPE)),
            "integer_sketch_columns": ("integer_sketch", np.array(integer_columns, dtype=np.int64)),
            "integer_sketch_values": (
                "integer_sketch",
                np.array([sketch.counts.shape[1] for _, sketch in integers], dtype=np.int64),
            ),
            "integer_counts": (("integer_column", "integer_value"), counts),
            "integer_sum": ("integer_column", _joined([sketch.sums for _, sketch in integers], np.int64)),
        }
        coords = {"float_sketch": [name for name, _ in floats], "integer_sketch": [name for name, _ in integers]}
        attrs = {
            "sketch_format": SKETCH_FORMAT,
            "draws": self.draws,
            "inputs": json.dumps(list(self.parameters)),
            "run_json": json.dumps(self.attrs, default=str),
        }
        return xr.Dataset(data_vars=data_vars, coords=coords, attrs=attrs)

    @classmethod
    def from_netcdf(cls, path: str | Path, scenario: Scenario | None = None) -> SummaryResult:
        """Reopen a summary run saved by :meth:`save` (its ``distributions.nc``): every statistic can be asked again.

        Parameters
        ----------
        path : str or Path
        scenario : Scenario, optional
            The run's scenario; by default the one whose text the run
            recorded. Pass it for a scenario changed in code after it was
            read (its recorded text is then the file's, not the run's).

        Raises
        ------
        ValueError
            If the file holds no sketches (written by another program, or
            by frontiersim before it saved them), or sketches that do not
            fit the scenario's outputs, labs and years, or a damaged sketch.
        """
        import xarray as xr  # noqa: PLC0415

        from frontiersim.scenario.loader import parse_scenario_text  # noqa: PLC0415

        try:
            with xr.open_dataset(path, engine="h5netcdf", group=SKETCH_GROUP) as opened:
                stored = opened.load()
        except OSError as error:
            raise ValueError(
                f"{path} holds no sketches ({error}): only the statistics it lists can be read; "
                "`frontiersim rerun` makes the run again"
            ) from error
        if stored.attrs.get("sketch_format") != SKETCH_FORMAT:
            raise ValueError(
                f"{path}: sketches of format {stored.attrs.get('sketch_format')!r}, expected {SKETCH_FORMAT}"
            )
        attrs: dict[str, object] = json.loads(str(stored.attrs["run_json"]))
        draws = int(stored.attrs["draws"])
        if scenario is None:
            scenario = parse_scenario_text(str(attrs["scenario_toml"]), source=str(path))
        result = cls(SummaryAccumulator(scenario, draws, json.loads(str(stored.attrs["inputs"]))), attrs)
        floats = [str(name) for name in stored["float_sketch"].values]
        integers = [str(name) for name in stored["integer_sketch"].values]
        every = result._every_sketch()
        expected = {name for name, _, _ in every}
        if set(floats) | set(integers) != expected:
            difference = sorted((set(floats) | set(integers)) ^ expected)[:6]
            raise ValueError(
                f"{path}: the saved sketches do not fit the scenario's outputs (differing: {', '.join(difference)}); "
                "pass the run's own scenario"
            )
        states: dict[str, dict[str, NDArray[Any]]] = {}
        for name, at, entries in zip(
            floats,
            _runs(stored["float_sketch_columns"].values),
            _runs(stored["float_sketch_nonzero"].values),
            strict=True,
        ):
            states[name] = {field: stored[field].values[at] for field, _ in _COLUMN_FIELDS}
            states[name]["column"] = stored["nonzero_column"].values[entries] - at.start
            states[name]["bin"] = stored["nonzero_bin"].values[entries]
            states[name]["count"] = stored["nonzero_count"].values[entries]
        for name, rows, values in zip(
            integers,
            _runs(stored["integer_sketch_columns"].values),
            stored["integer_sketch_values"].values,
            strict=True,
        ):
            states[name] = {
                "counts": stored["integer_counts"].values[rows, :values],
                "sum": stored["integer_sum"].values[rows],
            }
        for name, holder, key in every:
            sketch = holder[key]
            try:
                if isinstance(sketch, IntegerSketch):
                    holder[key] = IntegerSketch.from_state(sketch.columns, draws, states[name], sketch.lowest)
                else:
                    holder[key] = FloatSketch.from_state(sketch.columns, draws, states[name])
            except ValueError as error:
                raise ValueError(f"{path}: sketch {name!r}: {error}") from error
        return result

    def to_dataset(self, quantiles: Sequence[float] = DATASET_QUANTILES) -> xr.Dataset:
        """The run's statistics as a labelled :class:`xarray.Dataset`.

        Every per-draw output becomes a variable with a leading ``statistic``
        dimension (``mean``, ``min``, ``max``, then ``p1``, ``p5``, ... for
        ``quantiles``) and the output's other dimensions (``lab``, ``year``,
        ``model``, ``milestone``), with its ``units``, ``long_name`` and
        ``description``. Sampled inputs are ``input.<stream>``.
        """
        import xarray as xr  # noqa: PLC0415

        statistics = ["mean", "min", "max", *(f"p{100 * q:g}" for q in quantiles)]
        names, release_months = model_labels(self.scenario)
        coords: dict[str, object] = {
            "statistic": statistics,
            "lab": self.labs,
            "year": self.years,
            "model": np.arange(len(names)),
            "model_name": ("model", names),
            "release_month": ("model", np.asarray(release_months)),
        }
        milestones = list(self.scenario.capability.milestone_thresholds)
        if milestones:
            coords["milestone"] = milestones
        data_vars: dict[str, object] = {}
        for name, sketch in self.sketches.items():
            spec = self.specs[name]
            dims = spec.dims()
            assert dims is not None
            if spec.shape == "milestone" and not milestones:
                continue
            table = np.vstack([*_extremes(sketch), sketch.quantiles(quantiles)])
            values = table.reshape(len(statistics), *self.shapes[name])
            attrs = {"units": spec.unit, "long_name": spec.label, "description": spec.description}
            data_vars[name] = (("statistic", *dims[1:]), values, attrs)
        extra = {name: type(section) for name, section in self.scenario.extensions}
        for name, parameter in self.parameters.items():
            table = np.vstack([*_extremes(parameter), parameter.quantiles(quantiles)])
            data_vars[f"input.{name}"] = (("statistic",), table[:, 0], input_attrs(name, extra))
        kept_attrs: dict[str, object] = {k: v for k, v in self.attrs.items() if isinstance(v, str | int | float)}
        return xr.Dataset(data_vars=data_vars, coords=coords, attrs={**kept_attrs, "kind": "summary over draws"})


#: Per-column fields of a float sketch's state, saved one column after another, and their types.
_COLUMN_FIELDS: tuple[tuple[str, type], ...] = (
    ("sum", np.float64),
    ("nan_count", np.int64),
    ("min", np.float64),
    ("max", np.float64),
)


def _runs(sizes: Sequence[int] | NDArray[np.int64]) -> list[slice]:
    """Where each of consecutive runs of ``sizes`` items lies when they are laid one after another.

    Examples
    --------
    >>> _runs([2, 0, 3])
    [slice(0, 2, None), slice(2, 2, None), slice(2, 5, None)]
    """
    ends = np.cumsum(np.asarray(sizes, dtype=np.int64))
    return [slice(int(end - size), int(end)) for end, size in zip(ends, sizes, strict=True)]


def _joined(arrays: Sequence[NDArray[Any]], dtype: type) -> NDArray[Any]:
    """``arrays`` laid one after another as ``dtype`` (an empty array for none)."""
    return np.concatenate([np.asarray(array, dtype=dtype) for array in arrays] or [np.zeros(0, dtype)])


def _extremes(sketch: Sketch) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean, least and greatest value of each column of a sketch."""
    if isinstance(sketch, IntegerSketch):
        values = sketch.values()
        present = sketch.counts > 0
        last = present.shape[1] - 1 - np.argmax(present[:, ::-1], axis=1)
        least = np.where(present.any(axis=1), values[np.argmax(present, axis=1)], np.nan)
        greatest = np.where(present.any(axis=1), values[last], np.nan)
        return sketch.means(), least.astype(float), greatest.astype(float)
    with np.errstate(invalid="ignore"):
        least = np.where(np.isfinite(sketch.minima) | (sketch.valid_counts() > 0), sketch.minima, np.nan)
        greatest = np.where(np.isfinite(sketch.maxima) | (sketch.valid_counts() > 0), sketch.maxima, np.nan)
    return sketch.means(), least, greatest

"""Reducing raw chunk arrays to yearly figures and labelled xarray datasets.

Every name, unit, dimension and yearly rule comes from the output catalogue
(:mod:`frontiersim.models.catalogue`), which the model components declare.
Per-lab outputs get dims ``(draw, lab, ...)``; market outputs ``(draw, ...)``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.catalogue import Catalogue, OutputSpec
from frontiersim.models.components.cohorts import model_count
from frontiersim.models.engine import ChunkOutput
from frontiersim.models.registry import catalogue
from frontiersim.scenario.errors import closest_match
from frontiersim.scenario.fields import field_spec
from frontiersim.scenario.schema import Scenario

if TYPE_CHECKING:
    import xarray as xr

FloatArray = NDArray[np.float64]


def yearly_aggregates(output: ChunkOutput) -> dict[str, FloatArray]:
    """Yearly figures of a chunk: the engine's, by the catalogue's rules, and the derived ones.

    Returns
    -------
    dict of ndarray, each ``(years, columns)``
        Month-major like the engine's arrays; ``columns`` is ``draws * labs``
        for per-lab outputs and ``draws`` for market ones.
    """
    result = dict(output.by_year)
    years = next(iter(result.values())).shape[0]
    year_end_month = np.arange(years) * 12 + 11
    ruin = output.final["ruin_month"]
    for derived in output.catalogue.derived:
        result[derived.spec.name] = derived.compute(result, ruin, year_end_month)
    return result


@dataclass(frozen=True)
class ChunkReduction:
    """What is kept of one chunk: yearly, per-model, final and inputs always; monthly on request.

    Arrays are laid out as in the dataset: ``(draws, labs, ...)`` for per-lab
    outputs, ``(draws, ...)`` for market outputs and inputs.
    """

    start: int
    stop: int
    arrays: dict[str, NDArray[Any]]
    parameters: dict[str, FloatArray]
    monthly_by_month: dict[str, FloatArray] | None


def _per_draw(values: NDArray[Any], spec: OutputSpec, draws: int, labs: int) -> NDArray[Any]:
    """A component-major array ``(k, columns)`` or ``(columns,)`` as ``(draws, [labs,] k)``: a view, not a copy.

    The chunk's numbers are copied once, into the run's arrays
    (:meth:`ResultAccumulator.add`), or when the reduction is sent from a
    worker process.
    """
    if values.ndim == 1:
        return values.reshape(draws, labs) if spec.per == "lab" else values
    k = values.shape[0]
    if spec.per == "lab":
        return values.reshape(k, draws, labs).transpose(1, 2, 0)
    return values.T


def reduce_chunk(
    output: ChunkOutput,
    start: int,
    stop: int,
    parameters: Mapping[str, FloatArray],
    keep_monthly: bool,
    kept: Collection[str] | None = None,
) -> ChunkReduction:
    """Keep what a run needs from one chunk: every per-draw output, or those named in ``kept``."""
    draws, labs = output.layout.draws, output.layout.labs
    outputs = output.catalogue
    arrays: dict[str, NDArray[Any]] = {}
    for name, values in [*yearly_aggregates(output).items(), *output.final.items()]:
        if kept is None or name in kept:
            arrays[name] = _per_draw(values, outputs.spec(name), draws, labs)
    return ChunkReduction(
        start=start,
        stop=stop,
        arrays=arrays,
        parameters=dict(parameters),
        monthly_by_month=output.by_month if keep_monthly else None,
    )


def kept_outputs(outputs: Catalogue, names: Collection[str] | None) -> frozenset[str] | None:
    """The per-draw outputs a run keeps: ``names`` checked against the catalogue (None: all of them).

    ``ruin_month`` is always kept: a run's ruin is read from it.

    Raises
    ------
    ValueError
        Naming every name that is not a yearly, final, per-model or
        per-milestone output, with the closest one.
    """
    if names is None:
        return None
    known = [spec.name for spec in [*outputs.yearly.values(), *outputs.outputs.values()] if spec.shape != "monthly"]
    unknown = sorted(set(names) - set(known))
    if unknown:
        problems = []
        for name in unknown:
            close = closest_match(name, known)
            problems.append(f"{name!r}" + (f" (did you mean {close!r}?)" if close else ""))
        raise ValueError(
            f"outputs {', '.join(problems)} are not per-draw outputs of this scenario; choose from {', '.join(known)}"
        )
    return frozenset(names) | {"ruin_month"}


def trailing_shape(scenario: Scenario, spec: OutputSpec) -> tuple[int, ...]:
    """The dimensions a per-draw output has after ``(draw, [lab])``: years, models or milestones (none if final)."""
    return {
        "yearly": (scenario.meta.horizon_years,),
        "final": (),
        "model": (model_count(scenario),),
        "milestone": (len(scenario.capability.milestone_thresholds),),
    }[spec.shape]


def lab_position(labs: Sequence[str], name: str | None) -> int:
    """Position of lab ``name`` among ``labs`` (None: the only lab).

    Raises
    ------
    ValueError
        When ``name`` is None with several labs, or names no lab; the message names the labs.
    """
    if name is None:
        if len(labs) != 1:
            raise ValueError(f"this run has {len(labs)} labs ({', '.join(labs)}); name one")
        return 0
    if name not in labs:
        raise ValueError(f"no lab named {name!r}; labs: {', '.join(labs)}")
    return list(labs).index(name)


def model_labels(scenario: Scenario) -> tuple[list[str], list[int]]:
    """Names and release months of the model cohorts (-1: before the horizon; horizon: unreleased)."""
    import pandas as pd  # noqa: PLC0415 (pandas and xarray are imported when a dataset is built, not to size one)

    start = pd.Period(scenario.meta.start, freq="M")
    releases = list(scenario.release_months())
    names = ["incumbent (released before start)"]
    names += [f"model {k + 1} ({start + month})" for k, month in enumerate(releases)]
    names.append("next (in training at the end)")
    return names, [-1, *releases, scenario.horizon_months]


def _touched(shape: tuple[int, ...], dtype: Any = float) -> NDArray[Any]:
    """An array filled with NaN (or -1 for integers) whose pages are faulted in sequentially, once.

    Chunks are later copied in as row segments far apart in memory; faulting
    fresh pages in that scattered order costs over ten times more than one
    sequential fill (measured: 1.5 s against 0.1 s for 670 MB).
    """
    array = np.empty(shape, dtype=dtype)
    array.fill(np.nan if np.issubdtype(dtype, np.floating) else -1)
    return array


def result_bytes(
    scenario: Scenario,
    draws: int,
    keep_monthly: bool,
    parameters: int,
    outputs: Catalogue | None = None,
    kept: Collection[str] | None = None,
) -> int:
    """Bytes the result arrays of a run take: what :class:`ResultAccumulator` allocates.

    Parameters
    ----------
    scenario : Scenario
    draws : int
    keep_monthly : bool
    parameters : int
        Number of sampled parameters (one float per draw each).
    outputs : Catalogue, optional
        The scenario's outputs (by default, its components').
    kept : collection of str, optional
        The per-draw outputs kept (:func:`kept_outputs`); by default all.

    Returns
    -------
    int
        8 bytes per number: per-draw (and per-lab) yearly, final, per-model
        and per-milestone outputs, the sampled inputs, and with
        ``keep_monthly`` every monthly output.
    """
    declared = outputs if outputs is not None else catalogue(scenario)
    labs = len(scenario.lab_names)
    numbers = parameters + 1  # and one flag per draw
    for spec in [*declared.yearly.values(), *declared.outputs.values()]:
        width = labs if spec.per == "lab" else 1
        if spec.shape == "monthly":
            numbers += width * scenario.horizon_months if keep_monthly else 0
        elif kept is None or spec.name in kept:
            numbers += width * int(np.prod(trailing_shape(scenario, spec), dtype=np.int64))
    return 8 * numbers * draws


#: Bytes of a memory page (the smallest on the platforms numpy runs on).
_PAGE_BYTES = 4096


class ResultAccumulator:
    """Preallocated result arrays, filled chunk by chunk.

    Each chunk's reduction is copied into place and can then be dropped, so a
    run's peak memory is its results plus one chunk, not twice its results.

    Parameters
    ----------
    scenario : Scenario
    draws : int
        Total number of draws.
    keep_monthly : bool
        Whether monthly arrays are kept.
    parameter_names : sequence of str
        Stream names of the sampled parameters.
    outputs : Catalogue, optional
        The scenario's outputs (by default, its components').
    kept : collection of str, optional
        The per-draw outputs kept (:func:`kept_outputs`); by default all.
    """

    def __init__(
        self,
        scenario: Scenario,
        draws: int,
        keep_monthly: bool,
        parameter_names: Sequence[str],
        outputs: Catalogue | None = None,
        kept: Collection[str] | None = None,
    ) -> None:
        self.scenario = scenario
        self.draws = draws
        self.keep_monthly = keep_monthly
        self.catalogue = outputs if outputs is not None else catalogue(scenario)
        self.lab_names = scenario.lab_names
        labs = len(self.lab_names)
        months = scenario.horizon_months
        self.arrays: dict[str, NDArray[Any]] = {}
        for spec in [*self.catalogue.yearly.values(), *self.catalogue.outputs.values()]:
            if spec.shape == "monthly" or (kept is not None and spec.name not in kept):
                continue
            lead = (draws, labs) if spec.per == "lab" else (draws,)
            dtype = np.int64 if spec.dtype == "int" else float
            # Draw-major: each chunk is copied in as one contiguous block of rows,
            # so the pages are faulted in order without touching them first.
            self.arrays[spec.name] = np.empty((*lead, *trailing_shape(scenario, spec)), dtype=dtype)
        self.parameters = {name: np.empty(draws) for name in parameter_names}
        # Month-major storage: each chunk is copied in as whole contiguous rows;
        # the dataset exposes (draw, [lab,] month) transposed views, without a copy.
        self.monthly_by_month: dict[str, FloatArray] = {}
        if keep_monthly:
            for name, spec in self.catalogue.monthly.items():
                columns = draws * labs if spec.per == "lab" else draws
                self.monthly_by_month[name] = _touched((months, columns))
        self._filled = np.zeros(draws, dtype=bool)

    def monthly_views(self, start: int, stop: int) -> dict[str, FloatArray]:
        """Where draws ``start:stop`` of each monthly output go, ``(months, columns)`` views.

        A chunk simulated in this process writes its months straight into
        these (``run_chunk(..., monthly_out=...)``), with no buffer of its own
        to fault in and copy; :meth:`add` then has nothing to copy.
        """
        labs = len(self.lab_names)
        views: dict[str, FloatArray] = {}
        for name, values in self.monthly_by_month.items():
            width = labs if self.catalogue.outputs[name].per == "lab" else 1
            views[name] = values[:, start * width : stop * width]
        return views

    def fault_in(self, start: int, stop: int) -> None:
        """Map the memory of draws ``start:stop`` of every per-draw array, ahead of :meth:`add`.

        A byte of each page is written (``add`` overwrites the rows): the
        system maps fresh pages on their first write, which on some machines
        (virtual machines that hand freed memory back to their host) costs
        seconds per GB. Done on another thread for the next chunk while one
        chunk runs, that cost leaves the chunks' path.
        """
        for values in [*self.arrays.values(), *self.parameters.values()]:
            block = values[start:stop].reshape(-1).view(np.uint8)
            block[::_PAGE_BYTES] = 0

    def add(self, chunk: ChunkReduction) -> None:
        """Copy one chunk's reduction into place."""
        rows = slice(chunk.start, chunk.stop)
        for name, values in self.arrays.items():
            values[rows] = chunk.arrays[name]
        for name, values in self.parameters.items():
            values[rows] = chunk.parameters[name]
        if self.keep_monthly:
            if chunk.monthly_by_month is None:
                raise ValueError("a chunk without monthly arrays was added to a run that keeps them")
            labs = len(self.lab_names)
            for name, values in self.monthly_by_month.items():
                width = labs if self.catalogue.outputs[name].per == "lab" else 1
                target = values[:, chunk.start * width : chunk.stop * width]
                source = chunk.monthly_by_month[name]
                if not _same_memory(target, source):  # else written in place (monthly_views)
                    target[...] = source
        self._filled[rows] = True

    def to_dataset(self, attrs: Mapping[str, object]) -> xr.Dataset:
        """The labelled :class:`xarray.Dataset` (wraps the arrays, no copy).

        Dimensions are ``draw``, ``lab``, ``year``, ``model``, ``milestone``
        (capability demand) and, when monthly arrays were kept, ``month``
        (with a ``date`` coordinate). Every variable carries ``units``,
        ``long_name`` (its label) and ``description`` attributes from the
        output catalogue.
        """
        import pandas as pd  # noqa: PLC0415
        import xarray as xr  # noqa: PLC0415

        if not self._filled.all():
            missing = int((~self._filled).sum())
            raise ValueError(f"{missing} draws have not been simulated")
        scenario = self.scenario
        start = pd.Period(scenario.meta.start, freq="M")
        years = np.arange(scenario.meta.horizon_years) + start.year
        names, release_months = model_labels(scenario)
        coords: dict[str, object] = {
            "draw": np.arange(self.draws),
            "lab": ("lab", list(self.lab_names), {"description": "lab name"}),
            "year": ("year", years, {"description": "year of simulation (calendar year of its first month)"}),
            "model": np.arange(len(names)),
            "model_name": ("model", names),
            "release_month": ("model", np.asarray(release_months), {"description": "month index of release"}),
        }
        data_vars: dict[str, object] = {}
        for name, values in self.arrays.items():
            spec = self.catalogue.spec(name)
            dims = spec.dims()
            assert dims is not None
            data_vars[name] = (dims, values, _attrs(spec))
        if "milestone_month" in self.arrays:
            milestones = list(scenario.capability.milestone_thresholds)
            if milestones:
                coords["milestone"] = milestones
            else:
                del data_vars["milestone_month"]
        extra = {name: type(section) for name, section in scenario.extensions}
        for name, values in self.parameters.items():
            data_vars[f"input.{name}"] = ("draw", values, input_attrs(name, extra))
        if self.keep_monthly:
            months = scenario.horizon_months
            dates = pd.period_range(start, periods=months, freq="M").to_timestamp()
            coords["month"] = np.arange(months)
            coords["date"] = ("month", dates.values)
            labs = len(self.lab_names)
            for name, values in self.monthly_by_month.items():
                spec = self.catalogue.outputs[name]
                if spec.per == "lab":
                    view = values.reshape(months, self.draws, labs).transpose(1, 2, 0)
                    data_vars[name] = (("draw", "lab", "month"), view, _attrs(spec))
                else:
                    data_vars[name] = (("draw", "month"), values.T, _attrs(spec))
        return xr.Dataset(data_vars=data_vars, coords=coords, attrs=dict(attrs))


def _same_memory(a: FloatArray, b: FloatArray) -> bool:
    """Whether two arrays are the same view of the same memory (no copy needed)."""
    return (
        a.shape == b.shape
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def input_attrs(stream: str, extra_sections: Mapping[str, type]) -> dict[str, str]:
    """Attributes of a sampled input: its key's unit and label, and what was sampled."""
    path = stream.split(".", 2)[2] if stream.startswith("labs.") else stream
    attrs = {"description": f"sampled {stream}"}
    try:
        key = field_spec(path, extra_sections=extra_sections)
    except KeyError:
        return attrs
    return {"units": key.unit, "long_name": key.label, **attrs}


def _attrs(spec: OutputSpec) -> dict[str, str]:
    """A variable's attributes from its declaration."""
    return {"units": spec.unit, "long_name": spec.label, "description": spec.description}

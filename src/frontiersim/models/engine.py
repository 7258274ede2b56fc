"""The month-by-month simulation of every lab over a chunk of draws.

The engine assembles a scenario's components (:mod:`frontiersim.models.registry`),
builds them on the chunk's draws, and steps them in order, month by month,
recording the outputs they declare. It is vectorized over draws and labs;
the only Python loop is over months (and, at decision months, over labs).
Every draw is independent of every other, so results do not depend on how
draws are chunked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiersim.draws.sampling import Draws
from frontiersim.models.catalogue import Catalogue, OutputSpec, YearlyAccumulator, reduce_to_years
from frontiersim.models.components.base import Component, LabLayout, MonthState, Setup
from frontiersim.models.components.procurement import PolicyOverride
from frontiersim.models.fused import Engine, chosen_engine, numba_available, run_fused, uncovered
from frontiersim.models.ranges import ModelRangeError, first_non_finite_month, non_finite_outputs, range_message
from frontiersim.models.registry import SLOTS, Slot, assemble, catalogue
from frontiersim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ChunkOutput:
    """Raw arrays for one chunk of draws.

    Attributes
    ----------
    layout : LabLayout
        Labs and draws; per-lab columns are draw-major (``draw * L + lab``).
    catalogue : Catalogue
        What each output is.
    by_month : dict of ndarray, each (months, columns)
        Monthly outputs, month-major as the simulation writes them; ``columns``
        is ``draws * labs`` for per-lab outputs and ``draws`` for market ones.
        Empty when the run keeps no monthly arrays.
    by_year : dict of ndarray, each (years, columns)
        Yearly outputs, by each monthly output's yearly rule
        (:func:`~frontiersim.models.catalogue.reduce_to_years`).
    final : dict of ndarray
        Outputs recorded once: ``(columns,)`` for final ones, ``(models,
        columns)`` per model, ``(milestones, columns)`` per milestone.
    """

    layout: LabLayout
    catalogue: Catalogue
    by_month: dict[str, FloatArray]
    by_year: dict[str, FloatArray]
    final: dict[str, NDArray[Any]]

    @property
    def by_model(self) -> dict[str, FloatArray]:
        """Per-model outputs, each ``(models, columns)``."""
        return {name: self.final[name] for name in self.catalogue.of_shape("model")}

    @property
    def ruin_month(self) -> NDArray[np.int64]:
        """Month of ruin of each lab in each draw, -1 if it survives the horizon, ``(columns,)``."""
        ruin: NDArray[np.int64] = self.final["ruin_month"]
        return ruin

    @property
    def obligations_after_horizon_usd(self) -> FloatArray:
        """Contract payments owed for months after the horizon (0 if ruined), ``(columns,)``."""
        owed: FloatArray = self.final["obligations_after_horizon_usd"]
        return owed

    @property
    def monthly(self) -> dict[str, FloatArray]:
        """Monthly outputs as ``(columns, months)`` views (no copy)."""
        return {name: values.T for name, values in self.by_month.items()}

    @property
    def cohorts(self) -> dict[str, FloatArray]:
        """Per-model outputs as ``(columns, models)`` views (no copy)."""
        return {name: values.T for name, values in self.by_model.items()}


def run_chunk(
    scenario: Scenario,
    draws: Draws,
    policy: PolicyOverride = None,
    *,
    slots: Sequence[Slot] = SLOTS,
    keep_monthly: bool = True,
    monthly_out: Mapping[str, FloatArray] | None = None,
    engine: str | None = None,
) -> ChunkOutput:
    """Simulate every lab month by month for one chunk of draws.

    Parameters
    ----------
    scenario : Scenario
    draws : Draws
        Sampled parameters and shocks for this chunk
        (:func:`frontiersim.simulate.sample_draws`).
    policy : ProcurementPolicy or mapping of lab name to one, optional
        Overrides the scenario's policies: one policy for every lab, or some
        labs' by name.
    slots : sequence of Slot
        The month's slots (:data:`frontiersim.models.registry.SLOTS`); a
        caller can add a component of its own.
    keep_monthly : bool
        Keep every monthly output. Without them, yearly figures are
        accumulated month by month as the simulation runs, in the same order
        of additions, so they are identical to those reduced from monthly
        arrays, and memory holds years, not months.
    monthly_out : mapping of str to ndarray, optional
        With ``keep_monthly``, where to write each monthly output, ``(months,
        columns)`` (views into a run's results, so that months are written
        once, in place). By default the engine allocates its own.
    engine : {"auto", "numba", "numpy"}, optional
        The compiled kernels or the numpy components
        (:mod:`frontiersim.models.fused`); by default the environment
        variable ``FRONTIERSIM_ENGINE``, else ``"auto"``: compiled where they
        cover the scenario.

    Returns
    -------
    ChunkOutput

    Raises
    ------
    ModelRangeError
        If the arithmetic overflows, or an output is infinite or undefined
        (:mod:`frontiersim.models.ranges`): the message names the outputs,
        the month and the scenario's values farthest outside their typical
        ranges.

    Notes
    -----
    Each month :math:`t`, in the order of the slots:

    1. demand :math:`D_t` of the market and each lab's gross margin
       :math:`m_t`;
    2. each lab's share of demand;
    3. at a lab's decision month, its policy commits capacity; capacity
       :math:`K_t` and payments :math:`P_t` from its contracts;
    4. inference serves demand up to capacity; training gets the rest
       (:func:`~frontiersim.models.allocation.allocate`);
    5. cash moves by revenue - payments - other costs + financing; ruin is
       absorbing (:func:`~frontiersim.models.finance.cash_step`);
    6. revenue is credited to the frontier model and training cost to the
       next model ("each model is a company").
    """
    try:
        # Overflow is caught by the finite check below, which names the likely cause, not by warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            output = _run(scenario, draws, policy, slots, keep_monthly, monthly_out, chosen_engine(engine))
    except (ModelRangeError, OverflowError) as error:
        raise ModelRangeError(range_message(scenario, str(error) or type(error).__name__)) from error
    _check_finite(scenario, output)
    return output


def _check_finite(scenario: Scenario, output: ChunkOutput) -> None:
    """Raise :class:`ModelRangeError` if any output of the chunk is infinite or undefined."""
    names = non_finite_outputs(output.by_month, output.by_year, output.final)
    if not names:
        return
    month = first_non_finite_month(output.by_month, names)
    where = "" if month is None else f" from month {month} ({scenario.month_label(month)})"
    listed = ", ".join(repr(name) for name in names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    verb = "output {} is" if len(names) == 1 else "outputs {} are"
    raise ModelRangeError(range_message(scenario, verb.format(listed) + f" not finite{where}"))


def _run(
    scenario: Scenario,
    draws: Draws,
    policy: PolicyOverride,
    slots: Sequence[Slot],
    keep_monthly: bool,
    monthly_out: Mapping[str, FloatArray] | None,
    engine: Engine = "auto",
) -> ChunkOutput:
    """The month loop of :func:`run_chunk`."""
    setup = Setup(scenario, draws, policy)
    components = [component.build(setup) for component in assemble(scenario, slots)]
    outputs = catalogue(scenario, slots)
    layout = setup.layout
    months = scenario.horizon_months

    def width(spec: OutputSpec) -> int:
        return layout.columns if spec.per == "lab" else layout.draws

    # Month-major buffers keep each month's writes contiguous.
    by_month: dict[str, FloatArray] = {}
    if keep_monthly:
        for name, spec in outputs.monthly.items():
            given = None if monthly_out is None else monthly_out.get(name)
            if given is not None and given.shape != (months, width(spec)):
                raise ValueError(f"monthly_out[{name!r}] has shape {given.shape}, expected {(months, width(spec))}")
            by_month[name] = np.empty((months, width(spec))) if given is None else given
    compiled = None if engine == "numpy" else _run_compiled(setup, components, outputs, keep_monthly, by_month, engine)
    if compiled is not None:
        return compiled
    accumulators = (
        {}
        if keep_monthly
        else {
            name: YearlyAccumulator(spec, months // 12, width(spec))
            for name, spec in outputs.monthly.items()
            if spec.yearly is not None
        }
    )
    state = MonthState({})
    for component in components:
        component.start(state)
    for t in range(months):
        state.advance(t)
        for component in components:
            component.step(state)
        for name, buffer in by_month.items():
            buffer[t] = state[name]
        for name, accumulator in accumulators.items():
            accumulator.add(t, state[name])
    final: dict[str, NDArray[Any]] = {}
    for component in components:
        final.update(component.finish(state))
    if keep_monthly:
        by_year = reduce_to_years(by_month, outputs)
    else:
        by_year = {accumulator.rule.name: accumulator.result() for accumulator in accumulators.values()}
    return ChunkOutput(layout, outputs, by_month, by_year, final)


def runs_compiled(scenario: Scenario, slots: Sequence[Slot] = SLOTS, engine: str | None = None) -> bool:
    """Whether :func:`run_chunk` steps ``scenario``'s months in the compiled kernels (``engine`` as it takes it).

    Read from the component classes the scenario selects, before any is built.
    """
    chosen = chosen_engine(engine)
    if chosen == "numpy" or not numba_available():
        return False
    return uncovered(assemble(scenario, slots), catalogue(scenario, slots)) is None


def _run_compiled(
    setup: Setup,
    components: Sequence[Component],
    outputs: Catalogue,
    keep_monthly: bool,
    monthly_out: Mapping[str, FloatArray],
    engine: Engine,
) -> ChunkOutput | None:
    """The months in the compiled kernels (:mod:`frontiersim.models.fused`); None where they do not cover the run."""
    reason = uncovered(components, outputs) or (None if numba_available() else "numba is not installed")
    if reason is None:
        by_month, by_year, final = run_fused(setup, components, outputs, keep_monthly, monthly_out)
        return ChunkOutput(setup.layout, outputs, by_month, by_year, final)
    if engine == "numba":
        raise ValueError(f"the compiled engine cannot run this scenario: {reason}")
    return None

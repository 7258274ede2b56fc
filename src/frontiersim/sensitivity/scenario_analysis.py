r"""A sensitivity analysis of a scenario: which uncertain keys drive which outcomes.

The inputs are the scenario's uncertain keys (every key the model reads whose
value is a distribution, each lab's own included), by stream name. Sobol and
Morris run the engine on a design of experiments
(:func:`frontiersim.simulate.simulate` with
:class:`~frontiersim.draws.sampling.GivenDraws`): each row's inputs come
from the design, mapped through each key's quantile function, and its
monthly shocks from a sampled draw of the scenario, shared as
:mod:`frontiersim.sensitivity.analysis` explains, with the shocks as one more
input. Both treat the keys as independent: a ``[correlations]`` table is
left out of their designs (and said so in :attr:`SensitivityResult.notes`).
The rank method runs the scenario as it is, correlations included, and
correlates each key's draws with each outcome.

The outcome of a row is that row's value: for ``p_ruin``, whether the lab is
ruined in that draw (1 or 0). The indices then apportion the variance of the
ruin indicator, ``p (1 - p)``. The numerator of a first-order index,
:math:`\mathrm{Var}(E[1_{ruin} \mid X_i]) = \mathrm{Var}(E[P(ruin \mid X)
\mid X_i])`, is that of the ruin probability as a function of the inputs, so
inputs rank alike either way, at one simulation per row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from frontiersim.draws.sampling import GivenDraws
from frontiersim.models.registry import draw_plan
from frontiersim.scenario.distributions import Distribution, Fixed
from frontiersim.scenario.schema import Scenario
from frontiersim.sensitivity.analysis import (
    NOISE_INPUT,
    PRIMARY_INDEX,
    FloatArray,
    analyse_design,
    morris_design,
    rank_indices,
    rank_table,
    ranked_inputs,
    sobol_design,
)
from frontiersim.sensitivity.defaults import DEFAULT_CONFIDENCE, DEFAULT_SAMPLES, METHODS, Method
from frontiersim.sensitivity.outcomes import Outcome, resolve_outcome
from frontiersim.simulate import simulate

if TYPE_CHECKING:
    from frontiersim.results.result import SimulationResult


#: Columns of the table of a scenario's indices (:attr:`SensitivityResult.table`).
TABLE_COLUMNS = (
    "outcome",
    "outcome_label",
    "input",
    "input_label",
    "index",
    "value",
    "ci_low",
    "ci_high",
    "unit",
    "rank",
)

#: Labels of the indices.
INDEX_LABELS: dict[str, str] = {
    "S1": "first-order Sobol index",
    "ST": "total Sobol index",
    "mu_star": "Morris mu*: mean absolute effect of a step",
    "sigma": "Morris sigma: spread of the effects",
    "mu": "Morris mu: mean signed effect of a step",
    "spearman": "Spearman rank correlation",
    "prcc": "partial rank correlation",
}


@dataclass(frozen=True)
class SensitivityInput:
    """One uncertain input: its stream name, label, unit and distribution (None for the monthly shocks).

    ``description`` says what the monthly shocks' pseudo-input stands for.
    """

    name: str
    label: str
    unit: str
    distribution: Distribution | None
    description: str = ""


@dataclass(frozen=True)
class SensitivityResult:
    """The indices of a scenario's outcomes.

    Attributes
    ----------
    scenario_name : str
    method : {"sobol", "morris", "rank"}
    samples : int
        Base rows (Sobol), trajectories (Morris) or draws (rank).
    seed : int
    lab : str
        The lab whose outcomes were analysed.
    inputs : tuple of SensitivityInput
        The uncertain keys (and the monthly shocks, when the design treats them as an input).
    outcomes : tuple of Outcome
    table : pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`: one row per outcome, input and index;
        ``rank`` orders the inputs of each outcome by the method's primary
        index (1: the strongest driver).
    simulated_draws : int
        Draws the engine simulated.
    confidence : float
        Level of the intervals.
    outcome_summary : pandas.DataFrame
        Each outcome's mean and standard deviation over the simulated draws.
    notes : tuple of str
        What the reader should know (correlations left out, an outcome without variance).
    """

    scenario_name: str
    method: Method
    samples: int
    seed: int
    lab: str
    inputs: tuple[SensitivityInput, ...]
    outcomes: tuple[Outcome, ...]
    table: pd.DataFrame
    simulated_draws: int
    confidence: float
    outcome_summary: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def primary_index(self) -> str:
        """The index inputs are ranked by (``ST``, ``mu_star`` or ``prcc``)."""
        return PRIMARY_INDEX[self.method]

    def top_drivers(self, outcome: str, count: int = 3, *, parameters_only: bool = False) -> list[str]:
        """The ``count`` strongest inputs of ``outcome``, strongest first (stream names)."""
        rows = self.table[self.table["outcome"] == outcome]
        ranked = ranked_inputs(rows, self.method)
        if parameters_only:
            ranked = [name for name in ranked if name != NOISE_INPUT]
        return ranked[:count]


def uncertain_inputs(scenario: Scenario) -> dict[str, Distribution]:
    """The scenario's uncertain keys, by stream name, in the order of its draw plan (fixed keys left out).

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> list(uncertain_inputs(bundled("default")))  # doctest: +NORMALIZE_WHITESPACE
    ['demand.growth_per_year', 'compute.cost_usd_per_gw_year', 'compute.training_flop_per_gw_month',
     'operations.gross_margin', 'finance.raise_revenue_multiple']
    """
    return {name: d for name, d in draw_plan(scenario).parameters if not isinstance(d, Fixed)}


def has_noise(scenario: Scenario) -> bool:
    """Whether any monthly shock stream of the scenario is sampled."""
    return any(stream.needed for stream in draw_plan(scenario).shocks)


def noise_description(scenario: Scenario) -> str:
    """What the scenario's monthly shocks are (the streams the shocks' pseudo-input stands for)."""
    return "; ".join(stream.description for stream in draw_plan(scenario).shocks if stream.needed)


def _input_labels(result: SimulationResult, names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Label and unit of each input, from the run's dataset (the key's declared label and unit)."""
    labels = {}
    for name in names:
        attrs = result.dataset[f"input.{name}"].attrs
        label = str(attrs.get("long_name", name))
        labels[name] = (f"{label} ({name})" if label != name else name, str(attrs.get("units", "")))
    return labels


def _inputs(result: SimulationResult, distributions: Mapping[str, Distribution]) -> list[SensitivityInput]:
    """Each uncertain input with its label, unit and distribution."""
    labels = _input_labels(result, list(distributions))
    return [SensitivityInput(name, *labels[name], distributions[name]) for name in distributions]


def _rank_of(
    result: SimulationResult,
    distributions: Mapping[str, Distribution],
    values: FloatArray,
    *,
    confidence: float,
    resamples: int,
    seed: int,
) -> pd.DataFrame:
    """The rank method's indices of an outcome in a run's own draws of its uncertain inputs."""
    frame = pd.DataFrame({name: result.dataset[f"input.{name}"].values for name in distributions})
    return rank_table(rank_indices(frame, values, confidence=confidence, resamples=resamples, seed=seed))


def _correlation_note(scenario: Scenario, names: Sequence[str]) -> str | None:
    """The note that a design leaves the scenario's rank correlations out (None without any among ``names``)."""
    wanted = set(names)
    pairs = [pair for pair in scenario.joint_correlations if pair[0] in wanted and pair[1] in wanted]
    if not pairs:
        return None
    listed = ", ".join(f"{a} ~ {b}" for a, b, *_ in pairs[:4]) + (" ..." if len(pairs) > 4 else "")
    return (
        f"the design treats the inputs as independent: the scenario's rank correlations ({listed}) are left out; "
        "--method rank keeps them"
    )


def _checked(
    scenario: Scenario, method: str, outcomes: Sequence[str], lab: str | None
) -> tuple[list[Outcome], str, dict[str, Distribution]]:
    """The outcomes, the lab and the uncertain inputs of an analysis; ValueError for what cannot be analysed."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    chosen = [resolve_outcome(name, scenario) for name in dict.fromkeys(outcomes)]
    if not chosen:
        raise ValueError("name at least one outcome")
    lab_name = lab if lab is not None else scenario.lab_names[0]
    if lab_name not in scenario.lab_names:
        raise ValueError(f"no lab named {lab_name!r}; labs: {', '.join(scenario.lab_names)}")
    distributions = uncertain_inputs(scenario)
    if not distributions:
        raise ValueError(
            f"scenario {scenario.meta.name!r} has no uncertain key: give a key a distribution to analyse it"
        )
    return chosen, lab_name, distributions


def analyse_scenario(
    scenario: Scenario,
    method: Method,
    outcomes: Sequence[str] = ("p_ruin",),
    *,
    samples: int | None = None,
    seed: int | None = None,
    lab: str | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = 1000,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SensitivityResult:
    """Which of a scenario's uncertain keys drive which outcomes.

    Parameters
    ----------
    scenario : Scenario
    method : {"sobol", "morris", "rank"}
    outcomes : sequence of str
        Outcome names (:func:`~frontiersim.sensitivity.outcomes.outcome_names`).
    samples : int, optional
        Base rows (Sobol, a power of two), trajectories (Morris) or draws
        (rank); :data:`DEFAULT_SAMPLES` by default.
    seed : int, optional
        Seeds the design, the monthly shocks and the bootstrap; the
        scenario's seed by default. The same seed gives the same indices.
    lab : str, optional
        The lab whose outcomes are analysed (default: the first).
    confidence : float
        Level of the intervals.
    resamples : int
        Bootstrap resamples of the intervals.
    workers : int
        Processes to simulate on (:func:`~frontiersim.simulate.simulate`).
    progress : callable, optional
        Called with the number of draws simulated after each chunk.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    OutcomeError
        For an unknown outcome.
    ValueError
        For an unknown method or lab, a scenario without uncertain keys, or
        a sample size the method cannot use.
    """
    chosen, lab_name, distributions = _checked(scenario, method, outcomes, lab)
    count = DEFAULT_SAMPLES[method] if samples is None else samples
    root_seed = scenario.simulation.seed if seed is None else seed
    notes: list[str] = []
    kept = sorted({outcome.variable for outcome in chosen})  # the runs keep only what the outcomes read
    if method == "rank":
        result = simulate(
            scenario, draws=count, seed=root_seed, keep_monthly=False, workers=workers, progress=progress, outputs=kept
        )
        design = None
    else:
        noise = has_noise(scenario)
        if method == "sobol":
            design = sobol_design(distributions, count, root_seed, noise=noise)
        else:
            design = morris_design(distributions, count, root_seed, noise=noise)
        given = GivenDraws(dict(zip(design.names, design.values.T, strict=True)), design.noise_draws)
        result = simulate(
            scenario, seed=root_seed, keep_monthly=False, workers=workers, progress=progress, given=given, outputs=kept
        )
        note = _correlation_note(scenario, list(distributions))
        if note:
            notes.append(note)
    dataset = result.lab_dataset(lab_name)
    inputs = _inputs(result, distributions)
    if design is not None and design.noise:
        inputs.append(SensitivityInput(NOISE_INPUT, NOISE_INPUT, "", None, noise_description(scenario)))
    tables, summary = [], []
    for outcome in chosen:
        values = outcome.per_draw(dataset)
        summary.append((outcome.name, outcome.label, outcome.unit, float(values.mean()), float(values.std())))
        if np.ptp(values) == 0:
            notes.append(f"{outcome.name} is {values[0]:g} in every draw: it has no variance to apportion")
        if design is None:
            indices = _rank_of(
                result, distributions, values, confidence=confidence, resamples=resamples, seed=root_seed
            )
        else:
            indices = analyse_design(design, values, confidence=confidence, resamples=resamples, seed=root_seed)
        tables.append(_labelled(indices, outcome, inputs, method))
    table = pd.concat(tables, ignore_index=True)[list(TABLE_COLUMNS)]
    outcome_summary = pd.DataFrame(summary, columns=["outcome", "outcome_label", "unit", "mean", "std"])
    return SensitivityResult(
        scenario_name=scenario.meta.name,
        method=method,
        samples=count,
        seed=root_seed,
        lab=lab_name,
        inputs=tuple(inputs),
        outcomes=tuple(chosen),
        table=table,
        simulated_draws=result.draws,
        confidence=confidence,
        outcome_summary=outcome_summary,
        notes=tuple(notes),
    )


def _labelled(indices: pd.DataFrame, outcome: Outcome, inputs: Sequence[SensitivityInput], method: str) -> pd.DataFrame:
    """A table of indices of one outcome with labels, units and each input's rank."""
    table = indices.copy()
    labels = {spec.name: spec.label for spec in inputs}
    table.insert(0, "outcome", outcome.name)
    table.insert(1, "outcome_label", outcome.label)
    table.insert(3, "input_label", table["input"].map(labels).fillna(table["input"]))
    # Sobol indices and rank correlations are plain fractions; Morris effects are in the outcome's unit.
    table["unit"] = [outcome.unit if index in ("mu_star", "sigma", "mu") else "" for index in table["index"]]
    order = {name: k + 1 for k, name in enumerate(ranked_inputs(indices, method))}
    table["rank"] = table["input"].map(order).astype(np.int64)
    return table


def wide_table(result: SensitivityResult, outcome: str) -> pd.DataFrame:
    """One outcome's indices, one row per input from the strongest: value and interval of each index.

    Columns are ``rank``, ``input`` (its label) and, per index, the value and
    ``<index> low`` / ``<index> high``.
    """
    rows = result.table[result.table["outcome"] == outcome]
    wide = rows.pivot(index=["rank", "input_label"], columns="index", values=["value", "ci_low", "ci_high"])
    indices = [index for index in INDEX_LABELS if index in set(rows["index"])]
    columns = {}
    for index in indices:
        columns[index] = wide[("value", index)]
        if wide[("ci_low", index)].notna().any():
            columns[f"{index} low"] = wide[("ci_low", index)]
            columns[f"{index} high"] = wide[("ci_high", index)]
    table = pd.DataFrame(columns).reset_index().rename(columns={"input_label": "input"})
    return table.sort_values("rank", kind="stable").reset_index(drop=True)


def drivers_in_draws(
    result: SimulationResult,
    scenario: Scenario,
    outcome: str = "p_ruin",
    *,
    lab: str | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = 200,
    seed: int = 0,
) -> pd.DataFrame | None:
    """Rank correlations of each uncertain input with an outcome, in the draws of a run already made.

    The rank method of :func:`analyse_scenario` without a new simulation: the
    run's own (possibly correlated) draws of every uncertain key against the
    outcome in each draw. Cheap enough for each dashboard update (one ranking
    and ``resamples`` small correlation matrices).

    Parameters
    ----------
    result : SimulationResult
        A run of ``scenario``.
    scenario : Scenario
    outcome : str
        An outcome name (:func:`~frontiersim.sensitivity.outcomes.outcome_names`).
    lab : str, optional
        The lab whose outcome is read (default: the first).
    confidence, resamples, seed
        As for :func:`~frontiersim.sensitivity.analysis.rank_indices`.

    Returns
    -------
    pandas.DataFrame or None
        The labelled indices (the ``sensitivity`` table's columns, ``spearman``
        and ``prcc`` rows), ready for
        :func:`frontiersim.charts.tornado.tornado_chart`; None when the
        scenario has no uncertain key, the run has fewer than 20 draws, or the
        outcome is the same in every draw (nothing to correlate).

    References
    ----------
    .. [1] Marino, S., Hogue, I. B., Ray, C. J. and Kirschner, D. E. (2008). A methodology for
       performing global uncertainty and sensitivity analysis in systems biology. Journal of
       Theoretical Biology 254(1), 178-196.
    """
    drawn = drawn_inputs(result, scenario, outcome, lab=lab)
    if drawn is None:
        return None
    return drivers_of_drawn(drawn, confidence=confidence, resamples=resamples, seed=seed)


@dataclass(frozen=True)
class DrawnInputs:
    """What :func:`drivers_in_draws` reads of a run: its own copies of the arrays, and the inputs' labels.

    Made by :func:`drawn_inputs` from the run's dataset; holds no xarray or
    pandas object of the run, so that :func:`drivers_of_drawn` may work on it
    on another thread while the run's dataset is read elsewhere (pandas'
    indexes are not safe to read from two threads at once [1]_).

    Attributes
    ----------
    outcome : Outcome
    inputs : dict of str to ndarray
        Each uncertain input's draws, by stream name.
    values : ndarray
        The outcome in each draw.
    labels : list of SensitivityInput

    References
    ----------
    .. [1] pandas issue 21150, "race condition in Index.is_unique",
       https://github.com/pandas-dev/pandas/issues/21150
    """

    outcome: Outcome
    inputs: dict[str, FloatArray]
    values: FloatArray
    labels: list[SensitivityInput]


def drawn_inputs(
    result: SimulationResult, scenario: Scenario, outcome: str = "p_ruin", *, lab: str | None = None
) -> DrawnInputs | None:
    """The arrays :func:`drivers_in_draws` ranks, copied out of ``result``; None when there is nothing to rank.

    None when the scenario has no uncertain key, the run has fewer than 20
    draws, or the outcome is the same in every draw.
    """
    distributions = uncertain_inputs(scenario)
    if not distributions or result.draws < 20:
        return None
    chosen = resolve_outcome(outcome, scenario)
    lab_name = lab if lab is not None else scenario.lab_names[0]
    values = np.array(chosen.per_draw(result.lab_dataset(lab_name)), dtype=np.float64)
    if np.ptp(values) == 0:
        return None
    inputs = {name: np.array(result.dataset[f"input.{name}"].values) for name in distributions}
    return DrawnInputs(chosen, inputs, values, _inputs(result, distributions))


def drivers_of_drawn(
    drawn: DrawnInputs, *, confidence: float = DEFAULT_CONFIDENCE, resamples: int = 200, seed: int = 0
) -> pd.DataFrame:
    """The rank method's labelled indices of :func:`drawn_inputs`'s arrays (what :func:`drivers_in_draws` returns)."""
    frame = pd.DataFrame(drawn.inputs)
    indices = rank_table(rank_indices(frame, drawn.values, confidence=confidence, resamples=resamples, seed=seed))
    return _labelled(indices, drawn.outcome, drawn.labels, "rank")[list(TABLE_COLUMNS)]

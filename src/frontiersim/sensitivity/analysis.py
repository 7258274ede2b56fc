r"""Sensitivity indices of any function of independent uncertain inputs: Sobol, Morris and rank correlations.

A *design* (:func:`sobol_design`, :func:`morris_design`) lays out the rows at
which the function is evaluated: SALib's sample in the unit hypercube [1]_,
each column mapped through its input's quantile function, so that every
input has exactly its declared distribution. The function's outputs at
those rows are then turned into indices by :func:`analyse_design`, each with
a confidence interval.

Noise as an input
-----------------
A model with noise of its own (the scenario's monthly shocks) is
:math:`Y = f(X, Z)`. With ``noise=True`` the design treats :math:`Z` as one
more input, named :data:`NOISE_INPUT`: each row names the *noise draw* it
takes (:attr:`Design.noise_draws`), and the analysis apportions the variance
of :math:`Y` among the inputs and the noise. In Saltelli's scheme (Sobol),
the rows :math:`A_j` and :math:`A_B^{(i)}_j` share the noise draw ``j``
(they differ in input :math:`i` only), :math:`B_j` and
:math:`A_B^{(Z)}_j` take draw ``N + j``. The total index of :math:`X_i` is
then :math:`E[\mathrm{Var}(Y \mid X_{\sim i}, Z)] / \mathrm{Var}(Y)` and
its first-order index :math:`\mathrm{Var}(E[Y \mid X_i]) / \mathrm{Var}(Y)`:
the usual indices of the model with :math:`Z` among its inputs [2]_.
Without the shared draws every row would carry fresh noise, and every total
index would absorb the noise's share.

Rank correlations
-----------------
:func:`rank_indices` needs no design: Spearman's rank correlation and the
partial rank correlation coefficient (PRCC) [5]_ of each input with the
outcome, on any sample of draws (correlated inputs included), with
percentile bootstrap intervals. SALib has neither, and scipy's bootstrap
resamples one statistic at a time; the numpy code here ranks every
resample once and gets every PRCC from one inverse of the rank correlation
matrix (:math:`r_{iy \cdot \text{rest}} = -P_{iy} / \sqrt{P_{ii} P_{yy}}`
with :math:`P` the inverse [6]_).

References
----------
.. [1] Herman, J. and Usher, W. (2017). SALib: An open-source Python library
   for sensitivity analysis. *Journal of Open Source Software* 2(9), 97.
.. [2] Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and
   Tarantola, S. (2010). Variance based sensitivity analysis of model
   output. Design and estimator for the total sensitivity index. *Computer
   Physics Communications* 181(2), 259-270.
.. [3] Sobol', I. M. (2001). Global sensitivity indices for nonlinear
   mathematical models and their Monte Carlo estimates. *Mathematics and
   Computers in Simulation* 55(1-3), 271-280.
.. [4] Morris, M. D. (1991). Factorial sampling plans for preliminary
   computational experiments. *Technometrics* 33(2), 161-174; Campolongo,
   F., Cariboni, J. and Saltelli, A. (2007). An effective screening design
   for sensitivity analysis of large models. *Environmental Modelling &
   Software* 22(10), 1509-1518.
.. [5] Marino, S., Hogue, I. B., Ray, C. J. and Kirschner, D. E. (2008). A
   methodology for performing global uncertainty and sensitivity analysis in
   systems biology. *Journal of Theoretical Biology* 254(1), 178-196.
.. [6] Whittaker, J. (1990). *Graphical Models in Applied Multivariate
   Statistics*. Wiley, section 5.7 (partial correlations from the inverse
   correlation matrix).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import rankdata

from frontiersim.scenario.distributions import Distribution
from frontiersim.sensitivity.defaults import Method

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The index each method ranks inputs by.
PRIMARY_INDEX: dict[str, str] = {"sobol": "ST", "morris": "mu_star", "rank": "prcc"}

#: Name of the pseudo-input that stands for a model's own noise (the monthly shocks of a scenario).
NOISE_INPUT = "monthly shocks"

#: Columns of a table of indices (:func:`analyse_design`, :func:`rank_table`).
INDEX_COLUMNS = ("input", "index", "value", "ci_low", "ci_high")

#: Levels of the Morris grid (SALib's default).
MORRIS_LEVELS = 4

#: Uniforms passed to a quantile function stay inside (0, 1): the ends map to the ends of an unbounded support.
_UNIFORM_RANGE = (float(np.finfo(np.float64).tiny), 1.0 - 2.0**-53)


@dataclass(frozen=True)
class Design:
    """The rows at which a function is evaluated, and what the analysis needs to read its outputs.

    Attributes
    ----------
    method : {"sobol", "morris"}
    names : tuple of str
        The inputs, in the order of the columns of :attr:`values`.
    values : ndarray, shape (rows, inputs)
        Each input's value in each row, in its own units.
    unit_sample : ndarray, shape (rows, inputs + noise)
        SALib's sample in the unit hypercube (with the noise column last when there is one).
    noise_draws : ndarray of int, shape (rows,)
        The noise draw each row takes (all 0 without noise).
    noise : bool
        Whether the noise is an input of the design.
    base_samples : int
        Base rows (Sobol) or trajectories (Morris).
    """

    method: Method
    names: tuple[str, ...]
    values: FloatArray
    unit_sample: FloatArray
    noise_draws: IntArray
    noise: bool
    base_samples: int

    @property
    def rows(self) -> int:
        """Number of rows (evaluations of the function)."""
        return int(self.values.shape[0])

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem: every input (and the noise) on [0, 1]."""
        names = [*self.names, NOISE_INPUT] if self.noise else list(self.names)
        return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _quantiles(distributions: Sequence[Distribution], uniforms: FloatArray) -> FloatArray:
    """Each column of ``uniforms`` through its distribution's quantile function."""
    clipped = np.clip(uniforms, *_UNIFORM_RANGE)
    columns = [np.asarray(d.ppf(clipped[:, k]), dtype=np.float64) for k, d in enumerate(distributions)]
    return np.stack(columns, axis=1) if columns else np.empty((len(uniforms), 0))


def is_power_of_two(count: int) -> bool:
    """Whether ``count`` is a power of two (Sobol' sequences keep their balance only for such counts).

    Examples
    --------
    >>> is_power_of_two(1024), is_power_of_two(1000), is_power_of_two(1)
    (True, False, True)
    """
    return count >= 1 and count & (count - 1) == 0


def sobol_design(
    distributions: Mapping[str, Distribution], base_samples: int, seed: int, *, noise: bool = False
) -> Design:
    """Saltelli's design for first-order and total Sobol' indices [2]_.

    ``base_samples`` rows of each of two matrices A and B (a scrambled Sobol'
    sequence), and for each input a matrix of A's rows with that input's
    column from B: ``base_samples * (k + 2)`` rows for ``k`` inputs (the
    noise counted as one when ``noise``).

    Parameters
    ----------
    distributions : mapping of str to Distribution
        The inputs, by name, independent.
    base_samples : int
        Rows of A (and B); a power of two.
    seed : int
        Seed of the scrambling.
    noise : bool
        Treat the function's own noise as an input (see the module notes).

    Returns
    -------
    Design

    Raises
    ------
    ValueError
        For no inputs, or a count that is not a power of two.
    """
    from SALib.sample import sobol as sobol_sample  # noqa: PLC0415 (SALib is imported by the analyses that use it)

    if not distributions:
        raise ValueError("a sensitivity analysis needs at least one uncertain input")
    if not is_power_of_two(base_samples):
        raise ValueError(f"the Sobol' design needs a power of two base samples, got {base_samples:,}")
    names = tuple(distributions)
    width = len(names) + (1 if noise else 0)
    design = Design("sobol", names, np.empty((0, 0)), np.empty((0, 0)), np.zeros(0, np.int64), noise, base_samples)
    unit = np.asarray(sobol_sample.sample(design.problem, base_samples, calc_second_order=False, seed=seed))
    _check_saltelli_layout(unit, base_samples, width)
    block = width + 2  # A, one A_B per column, B
    position = np.tile(np.arange(block), base_samples)
    base = np.repeat(np.arange(base_samples), block)
    # A and every A_B but the noise's take noise draw j; the noise's A_B and B take draw N + j.
    takes_b_noise = position >= width if noise else np.zeros(len(position), dtype=bool)
    noise_draws = np.where(takes_b_noise, base + base_samples, base).astype(np.int64)
    values = _quantiles(list(distributions.values()), unit[:, : len(names)])
    return Design("sobol", names, values, unit, noise_draws, noise, base_samples)


def _check_saltelli_layout(unit: FloatArray, base_samples: int, width: int) -> None:
    """Check SALib's row order (per base row: A, then A with column i from B for each i, then B)."""
    blocks = unit.reshape(base_samples, width + 2, width)
    a, b = blocks[:, 0], blocks[:, -1]
    for column in range(width):
        expected = a.copy()
        expected[:, column] = b[:, column]
        if not np.array_equal(blocks[:, column + 1], expected):
            raise RuntimeError("SALib's Saltelli sample is not laid out as A, A_B(i) for each i, B")


def morris_design(
    distributions: Mapping[str, Distribution],
    trajectories: int,
    seed: int,
    *,
    noise: bool = False,
) -> Design:
    r"""Morris's one-at-a-time trajectories [4]_: ``trajectories * (k + 1)`` rows for ``k`` inputs.

    Each trajectory starts at a random point of a grid of :math:`L`
    (:data:`MORRIS_LEVELS`) levels per input and moves one input at a time
    by SALib's step, :math:`\Delta = L / (2 (L - 1))` of the unit range.
    Grid level :math:`g` of an input is its quantile :math:`(g + 1/2) / L`
    (the middle of one of :math:`L` equally likely bins), so that an
    unbounded input never takes an infinite value. With ``noise``, the noise
    column's level picks one of :math:`L` noise draws of the trajectory. The
    analysis (:func:`analyse_design`) assumes the same :math:`L`.

    Parameters
    ----------
    distributions : mapping of str to Distribution
        The inputs, by name, independent.
    trajectories : int
        Number of trajectories.
    seed : int
        Seed of the trajectories' starting points and orders.
    noise : bool
        Treat the function's own noise as an input (see the module notes).

    Returns
    -------
    Design
    """
    from SALib.sample import morris as morris_sample  # noqa: PLC0415

    levels = MORRIS_LEVELS
    if not distributions:
        raise ValueError("a sensitivity analysis needs at least one uncertain input")
    if trajectories < 2:
        raise ValueError(f"the Morris design needs at least 2 trajectories, got {trajectories:,}")
    names = tuple(distributions)
    design = Design("morris", names, np.empty((0, 0)), np.empty((0, 0)), np.zeros(0, np.int64), noise, trajectories)
    unit = np.asarray(morris_sample.sample(design.problem, trajectories, num_levels=levels, seed=seed))
    grid = np.rint(unit * (levels - 1)).astype(np.int64)
    quantiles = (grid[:, : len(names)] + 0.5) / levels
    values = _quantiles(list(distributions.values()), quantiles)
    trajectory = np.repeat(np.arange(trajectories), unit.shape[1] + 1)
    noise_draws = (trajectory * levels + grid[:, -1]) if noise else np.zeros(len(unit), dtype=np.int64)
    return Design("morris", names, values, unit, noise_draws.astype(np.int64), noise, trajectories)


def morris_step(levels: int = MORRIS_LEVELS) -> float:
    """SALib's Morris step in the unit range, :math:`L / (2 (L - 1))`: 2/3 for 4 levels.

    Examples
    --------
    >>> morris_step(4)
    0.6666666666666666
    """
    return levels / (2.0 * (levels - 1))


def analyse_design(
    design: Design,
    outputs: FloatArray,
    *,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """The indices of a design from the function's outputs at its rows.

    Parameters
    ----------
    design : Design
    outputs : ndarray, shape (rows,)
        The function's value at each row.
    confidence : float
        Level of the bootstrap confidence intervals.
    resamples : int
        Bootstrap resamples.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`, one row per input (the noise last,
        when it is an input) and index:

        * Sobol: ``S1`` (first order) and ``ST`` (total), fractions of the
          output's variance; the interval is SALib's bootstrap interval
          (the estimate plus or minus its normal half-width);
        * Morris: ``mu_star``, the mean absolute change of the output when
          the input moves one step of the grid (half of its distribution,
          from its 12.5th to its 62.5th percentile, say, for 4 levels), in
          the output's unit, with SALib's bootstrap interval; ``sigma``,
          the standard deviation of those changes (nonlinearity and
          interactions), and ``mu``, their signed mean, without intervals.

        An output with no variance gives NaN Sobol indices (there is nothing
        to apportion) and zero Morris effects.
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.shape != (design.rows,):
        raise ValueError(f"expected {design.rows:,} outputs, one per row of the design, got shape {outputs.shape}")
    if not np.all(np.isfinite(outputs)):
        raise ValueError("every output must be finite")
    names = design.problem["names"]
    if design.method == "sobol":
        return _sobol_indices(design, outputs, names, confidence, resamples, seed)
    return _morris_indices(design, outputs, names, confidence, resamples, seed)


def _sobol_indices(
    design: Design, outputs: FloatArray, names: list[str], confidence: float, resamples: int, seed: int
) -> pd.DataFrame:
    from SALib.analyze import sobol as sobol_analyze  # noqa: PLC0415

    if np.ptp(outputs) == 0:
        nan = np.full(len(names), np.nan)
        found: Mapping[str, FloatArray] = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
    else:
        found = sobol_analyze.analyze(
            design.problem,
            outputs,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=confidence,
            seed=seed,
        )
    rows = []
    for index in ("S1", "ST"):
        values, half = np.asarray(found[index]), np.asarray(found[f"{index}_conf"])
        rows += [(name, index, v, v - h, v + h) for name, v, h in zip(names, values, half, strict=True)]
    return _index_table(rows)


def _morris_indices(
    design: Design, outputs: FloatArray, names: list[str], confidence: float, resamples: int, seed: int
) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze  # noqa: PLC0415

    found = morris_analyze.analyze(
        design.problem,
        design.unit_sample,
        outputs,
        num_resamples=resamples,
        conf_level=confidence,
        num_levels=MORRIS_LEVELS,
        seed=seed,
    )
    # SALib divides each change by the step; times the step, effects are changes of the output itself.
    step = morris_step()
    mu_star, half = np.asarray(found["mu_star"]) * step, np.asarray(found["mu_star_conf"]) * step
    rows = [(n, "mu_star", m, m - h, m + h) for n, m, h in zip(names, mu_star, half, strict=True)]
    rows += [(n, "sigma", s * step, np.nan, np.nan) for n, s in zip(names, np.asarray(found["sigma"]), strict=True)]
    rows += [(n, "mu", m * step, np.nan, np.nan) for n, m in zip(names, np.asarray(found["mu"]), strict=True)]
    return _index_table(rows)


def _index_table(rows: Sequence[tuple[str, str, float, float, float]]) -> pd.DataFrame:
    table = pd.DataFrame.from_records(rows, columns=list(INDEX_COLUMNS))
    for column in ("value", "ci_low", "ci_high"):
        table[column] = table[column].astype(np.float64)
    return table


def _rank_columns(values: FloatArray) -> FloatArray:
    """Ranks of each column (average ranks for ties)."""
    return np.asarray(rankdata(values, axis=0), dtype=np.float64)


def _correlations(ranks: FloatArray, counts: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Spearman and partial rank correlations of each column but the last with the last, from ranks.

    ``counts`` weighs each row by how often a bootstrap resample drew it (the
    resample's correlations without copying its rows).
    """
    weights = np.ones(len(ranks)) if counts is None else counts
    total = weights.sum()
    mean = weights @ ranks / total
    covariance = (ranks.T @ (ranks * weights[:, None])) / total - np.outer(mean, mean)
    scale = np.sqrt(np.diag(covariance))
    with np.errstate(invalid="ignore", divide="ignore"):  # a column constant in a resample: NaN, not a warning
        correlation = covariance / np.outer(scale, scale)
    if not np.isfinite(correlation).all():
        return correlation[:-1, -1], np.full(len(scale) - 1, np.nan)
    try:
        precision = np.linalg.inv(correlation)
    except np.linalg.LinAlgError:
        return correlation[:-1, -1], np.full(len(scale) - 1, np.nan)
    diagonal = np.diag(precision)
    with np.errstate(invalid="ignore"):
        prcc = -precision[:-1, -1] / np.sqrt(diagonal[:-1] * diagonal[-1])
    return correlation[:-1, -1], prcc


def rank_indices(
    inputs: pd.DataFrame,
    outcome: pd.Series | FloatArray,
    *,
    confidence: float = 0.95,
    resamples: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Spearman and partial rank correlations of each input with an outcome, with bootstrap intervals.

    Cheap enough for a dashboard's draws: one ranking, and per resample one
    small correlation matrix and its inverse (see the module notes).

    Parameters
    ----------
    inputs : pandas.DataFrame
        One column per input, one row per draw (correlated inputs allowed).
    outcome : pandas.Series or ndarray
        The outcome in each draw.
    confidence : float
        Level of the percentile bootstrap intervals.
    resamples : int
        Bootstrap resamples (0: no intervals, NaN bounds).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per input, ranked by the absolute PRCC (largest first);
        columns ``input``, ``spearman``, ``spearman_low``,
        ``spearman_high``, ``prcc``, ``prcc_low``, ``prcc_high`` and
        ``rank`` (1: the strongest). An input or outcome that is the same in
        every draw has NaN correlations and is ranked last.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    >>> table = rank_indices(x, 3 * x["a"] + x["b"], resamples=0)
    >>> list(table["input"]), bool(table["prcc"].iloc[0] > 0.99)
    (['a', 'b'], True)
    """
    values = np.asarray(inputs.to_numpy(dtype=np.float64))
    target = np.asarray(outcome, dtype=np.float64)
    if values.ndim != 2 or target.shape != (values.shape[0],):
        raise ValueError(f"need one outcome per row of the inputs: {values.shape[0]:,} rows, {target.shape} outcomes")
    if values.shape[0] < 3:
        raise ValueError("rank correlations need at least 3 draws")
    names = [str(column) for column in inputs.columns]
    varying = np.ptp(values, axis=0) > 0
    spearman = np.full(len(names), np.nan)
    prcc = np.full(len(names), np.nan)
    bounds = np.full((4, len(names)), np.nan)
    if np.ptp(target) > 0 and varying.any():
        ranks = _rank_columns(np.column_stack([values[:, varying], target]))
        spearman[varying], prcc[varying] = _correlations(ranks)
        if resamples > 0:
            rng = np.random.default_rng(seed)
            samples = np.empty((resamples, 2, int(varying.sum())))
            for k in range(resamples):
                drawn = np.bincount(rng.integers(0, len(ranks), len(ranks)), minlength=len(ranks))
                samples[k] = _correlations(ranks, drawn.astype(np.float64))
            tail = 100.0 * (1.0 - confidence) / 2.0
            with warnings.catch_warnings():  # a correlation undefined in every resample has NaN bounds, said so
                warnings.simplefilter("ignore", RuntimeWarning)
                low, high = np.nanpercentile(samples, [tail, 100.0 - tail], axis=0)
            bounds[:, varying] = np.vstack([low[0], high[0], low[1], high[1]])
    table = pd.DataFrame(
        {
            "input": names,
            "spearman": spearman,
            "spearman_low": bounds[0],
            "spearman_high": bounds[1],
            "prcc": prcc,
            "prcc_low": bounds[2],
            "prcc_high": bounds[3],
        }
    )
    order = np.argsort(-np.nan_to_num(np.abs(prcc), nan=-1.0), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def rank_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """The indices of :func:`rank_indices` as a table of :data:`INDEX_COLUMNS` (``spearman`` and ``prcc`` rows)."""
    rows = [
        (str(row["input"]), index, row[index], row[f"{index}_low"], row[f"{index}_high"])
        for index in ("spearman", "prcc")
        for _, row in ranked.iterrows()
    ]
    return _index_table(rows)


def ranked_inputs(table: pd.DataFrame, method: str) -> list[str]:
    """The inputs of a table of indices from the strongest to the weakest, by the method's :data:`PRIMARY_INDEX`.

    Inputs whose index is NaN come last, in their order in the table.

    Examples
    --------
    >>> table = pd.DataFrame({"input": ["a", "b", "a", "b"], "index": ["S1", "S1", "ST", "ST"],
    ...                       "value": [0.1, 0.5, 0.2, 0.6], "ci_low": 0.0, "ci_high": 1.0})
    >>> ranked_inputs(table, "sobol")
    ['b', 'a']
    """
    primary = table[table["index"] == PRIMARY_INDEX[method]]
    strength = np.nan_to_num(np.abs(primary["value"].to_numpy(dtype=np.float64)), nan=-np.inf)
    order = np.argsort(-strength, kind="stable")
    return [str(primary["input"].iloc[k]) for k in order]

"""How much compute to buy: policy search under a ruin constraint.

Method
------
1. **Sample-average approximation with common random numbers.** Every
   candidate policy is simulated on the same draws (one seed), so
   differences between candidates are paired and the search objective is a
   deterministic function of the policy parameter [1]_.
2. **Grid, then refine.** A grid over the family traces the efficient
   frontier; :func:`scipy.optimize.minimize_scalar` (bounded Brent) refines
   the best feasible grid point between its neighbours.
3. **Honest feasibility.** A policy meets ``P(ruin) <= level`` only when the
   upper end of the Wilson interval of its ruin probability is at or below
   the level (optionally also a CVaR floor on the objective).
4. **Fresh re-evaluation.** The chosen policy and the naive reference
   policies are re-evaluated on a fresh, larger sample with independent
   draws; the report uses that sample, and says when it cannot confirm the
   constraint and how many draws would.

References
----------
.. [1] A. Shapiro, D. Dentcheva and A. Ruszczynski, *Lectures on Stochastic
   Programming*, SIAM, 2009, ch. 5 (sample average approximation).
.. [2] P. Glasserman, *Monte Carlo Methods in Financial Engineering*,
   Springer, 2003, s4.2 (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray
from scipy import optimize as scipy_optimize

from frontiersim.draws.cache import DEFAULT_CACHE_BYTES, DrawCache
from frontiersim.draws.sampling import SeedLike, seed_sequence, stream_id
from frontiersim.models.components.procurement import PolicyOverride
from frontiersim.models.policies import ProcurementPolicy
from frontiersim.optimize.families import PolicyFamily, naive_policies, resolve_lab
from frontiersim.optimize.objectives import Objective
from frontiersim.optimize.stats import (
    MeanEstimate,
    Proportion,
    draws_to_resolve,
    lower_tail_cvar,
    mean_estimate,
    paired_difference,
    proportion,
)
from frontiersim.results.result import SimulationResult
from frontiersim.scenario.schema import Scenario
from frontiersim.simulate import DEFAULT_CHUNK_SIZE, draw_cache, simulate
from frontiersim.units import money

FloatArray = NDArray[np.float64]


#: What a search candidate keeps of its simulation when ``keep_result=False``.
LIGHT_VARIABLES = (
    "year_new_commitment_gw",
    "year_new_commitment_usd",
    "year_demand_usd",
    "year_revenue_usd",
    "year_unserved_usd",
    "year_profit_usd",
    "year_training_cost_usd",
    "year_cash_usd",
    "obligations_after_horizon_usd",
    "year_ruined",
    "ruin_month",
)


class InfeasibleError(ValueError):
    """No policy of the family meets the ruin (or CVaR) constraint.

    Attributes
    ----------
    best : PolicyEvaluation
        The candidate with the lowest upper bound on P(ruin).
    """

    def __init__(self, message: str, best: PolicyEvaluation) -> None:
        super().__init__(message)
        self.best = best


@dataclass(frozen=True)
class PolicyEvaluation:
    """One policy simulated on one sample of draws.

    Attributes
    ----------
    label : str
    parameter : float or None
        The family parameter (None for policies outside the family).
    policy : ProcurementPolicy
    objective_values : ndarray
        Per-draw objective, USD.
    ruined : ndarray of bool
        Per-draw ruin within the horizon.
    ruin : Proportion
        P(ruin) with its Wilson interval.
    ruin_exact : Proportion
        P(ruin) with its Clopper-Pearson interval.
    objective : MeanEstimate
        Mean objective and its standard error.
    cvar : float
        Mean objective over the worst ``cvar_alpha`` share of draws.
    revenue : MeanEstimate
        Revenue served over the horizon.
    unserved : MeanEstimate
        Demand left unserved over the horizon.
    result : SimulationResult
        The simulation behind the figures (yearly arrays only), every lab's:
        the evaluated lab with ``policy``, the others with the scenario's.
    lab : str or None
        The lab the policy was given to and the figures are of; None for the
        one lab of a scenario without ``[labs.*]`` tables.
    """

    label: str
    parameter: float | None
    policy: ProcurementPolicy
    objective_values: FloatArray
    ruined: NDArray[np.bool_]
    ruin: Proportion
    ruin_exact: Proportion
    objective: MeanEstimate
    cvar: float
    revenue: MeanEstimate
    unserved: MeanEstimate
    result: SimulationResult = field(repr=False)
    lab: str | None = None

    @property
    def lab_dataset(self) -> xr.Dataset:
        """The evaluated lab's variables of :attr:`result` (no ``lab`` dimension)."""
        return self.result.lab_dataset(self.lab)

    def commitment_schedule(self) -> pd.DataFrame:
        """GW and dollars committed per year: mean and quantiles over draws.

        Returns
        -------
        pandas.DataFrame
            Index: year. Columns: GW (mean, p5, p50, p95), mean contract value
            per year of term (USD/year) and total contract value (USD). The
            unit of each column, from the output catalogue, is in
            ``table.attrs["units"]``.
        """
        ds = self.lab_dataset
        gw = ds["year_new_commitment_gw"]
        usd = ds["year_new_commitment_usd"]
        gw_unit, usd_unit = str(gw.attrs.get("units", "")), str(usd.attrs.get("units", ""))
        term_years = float(ds.attrs.get("contract_term_months", 12)) / 12.0
        table = pd.DataFrame(
            {
                "GW mean": gw.mean("draw").values,
                "GW p5": gw.quantile(0.05, "draw").values,
                "GW p50": gw.quantile(0.5, "draw").values,
                "GW p95": gw.quantile(0.95, "draw").values,
                "USD per year of term (mean)": usd.mean("draw").values / term_years,
                "contract value USD (mean)": usd.mean("draw").values,
            },
            index=pd.Index(ds["year"].values, name="decision year"),
        )
        per_year = f"{usd_unit}/year" if usd_unit else ""
        table.attrs["units"] = {
            **dict.fromkeys(("GW mean", "GW p5", "GW p50", "GW p95"), gw_unit),
            "USD per year of term (mean)": per_year,
            "contract value USD (mean)": usd_unit,
        }
        return table


def evaluate_policy(
    scenario: Scenario,
    policy: ProcurementPolicy,
    objective: Objective,
    *,
    draws: int,
    seed: SeedLike,
    label: str = "",
    parameter: float | None = None,
    lab: str | None = None,
    cvar_alpha: float = 0.05,
    confidence: float = 0.95,
    chunk_size: int | None = None,
    keep_result: bool = True,
    draws_cache: DrawCache | None = None,
) -> PolicyEvaluation:
    """Simulate ``policy`` for one lab on ``draws`` draws and summarise that lab's outcomes honestly.

    The same ``seed`` gives every policy the same draws (common random
    numbers). The other labs of the scenario keep their own policies. With
    ``keep_result=False`` the simulation keeps only the outputs the
    objective and :meth:`PolicyEvaluation.commitment_schedule` read
    (:data:`LIGHT_VARIABLES`), so that many candidates over many draws fit
    in memory and cost no copying of the others.

    Parameters
    ----------
    lab : str, optional
        The lab given ``policy`` (default: the scenario's first).
    draws_cache : DrawCache, optional
        Chunks of draws sampled for earlier evaluations on the same seed
        (:func:`frontiersim.simulate.draw_cache`), reused instead of sampled
        again: the figures are the same with or without it.
    """
    chosen = resolve_lab(scenario, lab)
    name = chosen.name if chosen.declared else None
    override: PolicyOverride = policy if name is None else {name: policy}
    result = simulate(
        scenario,
        draws=draws,
        seed=seed,
        keep_monthly=False,
        policy=override,
        chunk_size=DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size,
        draws_cache=draws_cache,
        outputs=None if keep_result else LIGHT_VARIABLES,
    )
    result.dataset.attrs["contract_term_months"] = chosen.compute.contract_term_months
    ds = result.lab_dataset(name)
    values = objective.per_draw(ds)
    ruined = np.asarray(ds["ruin_month"].values >= 0)
    ruined_count = int(ruined.sum())
    revenue = mean_estimate(ds["year_revenue_usd"].sum("year").values)
    unserved = mean_estimate(ds["year_unserved_usd"].sum("year").values)
    if not keep_result:
        result = SimulationResult(result.dataset[list(LIGHT_VARIABLES)])
    return PolicyEvaluation(
        label=label or repr(policy),
        parameter=parameter,
        policy=policy,
        objective_values=values,
        ruined=ruined,
        ruin=proportion(ruined_count, draws, confidence, "wilson"),
        ruin_exact=proportion(ruined_count, draws, confidence, "clopper-pearson"),
        objective=mean_estimate(values),
        cvar=lower_tail_cvar(values, cvar_alpha),
        revenue=revenue,
        unserved=unserved,
        result=result,
        lab=name,
    )


@dataclass(frozen=True)
class OptimizationResult:
    """The recommended policy, the frontier it sits on, and the evidence.

    Attributes
    ----------
    family : PolicyFamily
    objective : Objective
    max_ruin : float
    chosen : PolicyEvaluation
        The recommendation, re-evaluated on the fresh validation sample.
    chosen_in_search : PolicyEvaluation
        The same policy on the search sample.
    search : list of PolicyEvaluation
        Every candidate evaluated on the search sample (grid and refinement),
        sorted by parameter: the frontier.
    naive_search, naive_validation : dict of PolicyEvaluation
        The naive reference policies on both samples.
    confirmed : bool
        Whether the validation sample confirms the ruin constraint.
    messages : list of str
        Plain-language notes: confirmation, and draws needed when unresolved.
    search_draws, validation_draws : int
    """

    family: PolicyFamily
    objective: Objective
    max_ruin: float
    chosen: PolicyEvaluation
    chosen_in_search: PolicyEvaluation
    search: list[PolicyEvaluation]
    naive_search: dict[str, PolicyEvaluation]
    naive_validation: dict[str, PolicyEvaluation]
    confirmed: bool
    messages: list[str]
    search_draws: int
    validation_draws: int
    confidence: float = 0.95
    cvar_alpha: float = 0.05
    min_cvar: float | None = None
    seed_entropy: str = ""

    def feasible(self, evaluation: PolicyEvaluation) -> bool:
        """Whether an evaluation meets the ruin level (upper bound) and any CVaR floor."""
        return evaluation.ruin.high <= self.max_ruin and (self.min_cvar is None or evaluation.cvar >= self.min_cvar)

    def comparison(self) -> pd.DataFrame:
        """The chosen and naive policies on the validation sample, with paired differences.

        ``vs chosen`` columns are paired (common-random-number) differences
        ``policy - chosen`` of the objective, with their standard errors.
        """
        rows = {"recommended: " + self.chosen.label: self.chosen}
        rows.update(self.naive_validation)
        records = []
        for name, evaluation in rows.items():
            difference = paired_difference(evaluation.objective_values, self.chosen.objective_values)
            records.append(
                {
                    "policy": name,
                    "P(ruin)": evaluation.ruin.estimate,
                    "P(ruin) low": evaluation.ruin.low,
                    "P(ruin) high": evaluation.ruin.high,
                    "objective mean": evaluation.objective.mean,
                    "objective se": evaluation.objective.standard_error,
                    "objective CVaR": evaluation.cvar,
                    "vs chosen": difference.mean,
                    "vs chosen se": difference.standard_error,
                    "revenue served": evaluation.revenue.mean,
                    "unserved demand": evaluation.unserved.mean,
                }
            )
        return pd.DataFrame.from_records(records, index="policy")

    def frontier(self) -> pd.DataFrame:
        """P(ruin) against the objective for every searched candidate (search sample)."""
        records = [
            {
                self.family.parameter: e.parameter,
                "P(ruin)": e.ruin.estimate,
                "P(ruin) low": e.ruin.low,
                "P(ruin) high": e.ruin.high,
                "objective mean": e.objective.mean,
                "objective se": e.objective.standard_error,
                "revenue served": e.revenue.mean,
                "unserved demand": e.unserved.mean,
                "feasible": self.feasible(e),
            }
            for e in self.search
        ]
        return pd.DataFrame.from_records(records)


def _validation_seed(seed: SeedLike) -> np.random.SeedSequence:
    """A root seed independent of the search sample's (a different spawn key)."""
    root = seed_sequence(seed)
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, stream_id("optimize.validation")))


def _infeasible(
    evaluations: list[PolicyEvaluation],
    family: PolicyFamily,
    max_ruin: float,
    min_cvar: float | None,
    draws: int,
    confidence: float,
) -> InfeasibleError:
    """The error for a search in which no candidate is feasible, naming the best achievable level."""
    best = min(evaluations, key=lambda e: (e.ruin.high, -e.objective.mean))
    if best.ruin.estimate < max_ruin:
        needed = (
            f" Its estimate {best.ruin.estimate:.2%} is below the level: about "
            f"{draws_to_resolve(best.ruin.estimate, max_ruin, confidence):,} draws could confirm it."
        )
    elif max_ruin == 0:
        # the upper end of an interval is above 0 for any finite sample
        needed = " No finite number of draws can confirm P(ruin) <= 0: ask for a small positive level."
    else:
        needed = ""
    cvar_note = "" if min_cvar is None else f" and CVaR >= {money(min_cvar)}"
    return InfeasibleError(
        f"no {family.name} policy meets P(ruin) <= {max_ruin:.2%}{cvar_note} "
        f"(upper {confidence:.0%} bound, {draws:,} draws). Best achievable: {best.label} with "
        f"P(ruin) {best.ruin}.{needed}",
        best,
    )


def optimize_policy(
    scenario: Scenario,
    family: PolicyFamily,
    objective: Objective | None = None,
    *,
    max_ruin: float = 0.05,
    draws: int = 20_000,
    validation_draws: int | None = None,
    seed: SeedLike = None,
    candidates: int = 21,
    refine: bool = True,
    confidence: float = 0.95,
    cvar_alpha: float = 0.05,
    min_cvar: float | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    draws_cache_bytes: int = DEFAULT_CACHE_BYTES,
) -> OptimizationResult:
    """Find the policy of ``family`` that maximises ``objective`` with P(ruin) at most ``max_ruin``.

    The family is one lab's (:attr:`PolicyFamily.lab`): the candidates are
    given to that lab, the other labs keep the scenario's policies, and the
    ruin probability and objective are that lab's.

    Parameters
    ----------
    scenario : Scenario
    family : PolicyFamily
        See :func:`~frontiersim.optimize.families.policy_family`.
    objective : Objective, optional
        Defaults to expected discounted profit.
    max_ruin : float
        Ruin level; met only when the Wilson upper bound is at or below it.
    draws : int
        Draws per candidate in the search (common to all candidates).
    validation_draws : int, optional
        Fresh draws to re-evaluate the choice (default ``4 * draws``).
    seed : int, SeedSequence, Generator or None
        Defaults to the scenario's seed.
    candidates : int
        Grid size (the frontier's resolution).
    refine : bool
        Refine the best feasible grid point with bounded Brent search.
    confidence : float
        Confidence level of every interval.
    cvar_alpha, min_cvar : float
        Optional CVaR constraint: the mean objective over the worst
        ``cvar_alpha`` share of draws must be at least ``min_cvar``.
    progress : callable, optional
        Called with a short message after each evaluation.
    chunk_size : int
        Draws simulated at once (the figures do not depend on it).
    draws_cache_bytes : int
        Bound on the sampled draws kept for reuse, per sample (search, then
        validation): every evaluation on a sample takes the chunks sampled by
        the first instead of sampling them again
        (:mod:`frontiersim.draws.cache`). The figures do not depend on it; 0
        samples every chunk for every evaluation.

    Returns
    -------
    OptimizationResult

    Raises
    ------
    InfeasibleError
        When no candidate meets the constraints; the message gives the best
        achievable ruin level.
    """
    if not 0 <= max_ruin < 1:
        raise ValueError(f"max_ruin must be in [0, 1), got {max_ruin}")
    objective = objective or Objective()
    root = seed_sequence(scenario.simulation.seed if seed is None else seed)
    validation_draws = validation_draws or 4 * draws
    cache: dict[float, PolicyEvaluation] = {}
    # Common random numbers: every evaluation on one sample simulates the same chunks, sampled once.
    search_draws = draw_cache(scenario, max_bytes=draws_cache_bytes)

    def evaluate(value: float) -> PolicyEvaluation:
        key = float(value)
        if key not in cache:
            cache[key] = evaluate_policy(
                scenario,
                family.build(key),
                objective,
                draws=draws,
                seed=root,
                label=family.label(key),
                parameter=key,
                lab=family.lab,
                cvar_alpha=cvar_alpha,
                confidence=confidence,
                chunk_size=chunk_size,
                keep_result=False,
                draws_cache=search_draws,
            )
            if progress is not None:
                e = cache[key]
                progress(f"{e.label}: P(ruin) {e.ruin}, objective {money(e.objective.mean)}")
        return cache[key]

    def feasible(e: PolicyEvaluation) -> bool:
        return e.ruin.high <= max_ruin and (min_cvar is None or e.cvar >= min_cvar)

    grid = family.grid(candidates)
    for value in grid:
        evaluate(value)
    feasible_grid = [e for e in cache.values() if feasible(e)]
    if not feasible_grid:
        raise _infeasible(list(cache.values()), family, max_ruin, min_cvar, draws, confidence)
    best_grid = max(feasible_grid, key=lambda e: e.objective.mean)
    if refine and best_grid.parameter is not None:
        step = (family.high - family.low) / (candidates - 1)
        low = max(family.low, best_grid.parameter - step)
        high = min(family.high, best_grid.parameter + step)
        scale = max(abs(best_grid.objective.mean), 1.0)
        incumbent = -best_grid.objective.mean / scale

        def loss(value: float) -> float:
            # Any infeasible point scores worse than the best feasible grid
            # point, and worse still the further it breaks the constraint, so
            # Brent's search never trades feasibility for objective.
            e = evaluate(value)
            if feasible(e):
                return -e.objective.mean / scale
            violation = max(e.ruin.high - max_ruin, 0.0)
            if min_cvar is not None and e.cvar < min_cvar:
                violation += (min_cvar - e.cvar) / scale
            return incumbent + 1.0 + 100.0 * violation

        scipy_optimize.minimize_scalar(
            loss, bounds=(low, high), method="bounded", options={"xatol": step / 50, "maxiter": 12}
        )
    chosen_search = max((e for e in cache.values() if feasible(e)), key=lambda e: e.objective.mean)
    naive = naive_policies(scenario, family.lab)
    naive_search: dict[str, PolicyEvaluation] = {}
    naive_validation: dict[str, PolicyEvaluation] = {}

    def evaluate_naive(
        target: dict[str, PolicyEvaluation],
        sample_draws: int,
        sample_seed: np.random.SeedSequence,
        where: str,
        sample_cache: DrawCache,
    ) -> None:
        for name, policy in naive.items():
            target[name] = evaluate_policy(
                scenario,
                policy,
                objective,
                draws=sample_draws,
                seed=sample_seed,
                label=name,
                lab=family.lab,
                cvar_alpha=cvar_alpha,
                confidence=confidence,
                chunk_size=chunk_size,
                keep_result=False,
                draws_cache=sample_cache,
            )
            if progress is not None:
                progress(f"{name} ({where} draws): P(ruin) {target[name].ruin}")

    evaluate_naive(naive_search, draws, root, "search", search_draws)
    search_draws.clear()  # the search sample is done with: its memory goes to the validation sample's
    validation_root = _validation_seed(root)
    validation_cache = draw_cache(scenario, max_bytes=draws_cache_bytes)
    chosen = evaluate_policy(
        scenario,
        chosen_search.policy,
        objective,
        draws=validation_draws,
        seed=validation_root,
        label=chosen_search.label,
        parameter=chosen_search.parameter,
        lab=family.lab,
        cvar_alpha=cvar_alpha,
        confidence=confidence,
        chunk_size=chunk_size,
        draws_cache=validation_cache,
    )
    if progress is not None:
        progress(f"validated {chosen.label} on {validation_draws:,} fresh draws: P(ruin) {chosen.ruin}")
    evaluate_naive(naive_validation, validation_draws, validation_root, "fresh", validation_cache)
    validation_cache.clear()
    messages = []
    confirmed = feasible(chosen)
    if confirmed:
        messages.append(
            f"confirmed on {validation_draws:,} fresh draws: P(ruin) {chosen.ruin} is at or below {max_ruin:.2%}"
        )
    else:
        if chosen.ruin.high > max_ruin:
            extra = draws_to_resolve(chosen.ruin.estimate, max_ruin, confidence)
            more = (
                f"about {extra:,} fresh draws would resolve it"
                if chosen.ruin.estimate < max_ruin and math.isfinite(extra)
                else "the constraint is likely violated: ask for a lower level or a more cautious family"
            )
            messages.append(
                f"NOT confirmed on {validation_draws:,} fresh draws: P(ruin) {chosen.ruin} exceeds "
                f"{max_ruin:.2%} at its upper bound; {more}"
            )
        if min_cvar is not None and chosen.cvar < min_cvar:
            messages.append(
                f"NOT confirmed on {validation_draws:,} fresh draws: CVaR {cvar_alpha:.0%} of the objective is "
                f"{money(chosen.cvar)}, below the floor {money(min_cvar)}"
            )
    search = sorted(cache.values(), key=lambda e: e.parameter if e.parameter is not None else -math.inf)
    return OptimizationResult(
        family=family,
        objective=objective,
        max_ruin=max_ruin,
        chosen=chosen,
        chosen_in_search=chosen_search,
        search=search,
        naive_search=naive_search,
        naive_validation=naive_validation,
        confirmed=confirmed,
        messages=messages,
        search_draws=draws,
        validation_draws=validation_draws,
        confidence=confidence,
        cvar_alpha=cvar_alpha,
        min_cvar=min_cvar,
        seed_entropy=str(root.entropy),
    )

"""The efficient frontier: P(ruin) against the objective over one policy family, beside the naive policies.

:class:`Frontier` holds the candidates of one family evaluated on common
draws. It is built from an optimization (:meth:`Frontier.from_result`) or
traced on its own, without choosing or validating, by :func:`trace_frontier`.
:mod:`frontiersim.charts.frontier` draws it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from frontiersim.draws.cache import DEFAULT_CACHE_BYTES
from frontiersim.draws.sampling import SeedLike, seed_sequence
from frontiersim.models.policies import ProcurementPolicy
from frontiersim.optimize.families import PolicyFamily, naive_policies
from frontiersim.optimize.objectives import Objective
from frontiersim.optimize.search import OptimizationResult, PolicyEvaluation, evaluate_policy
from frontiersim.scenario.schema import Scenario
from frontiersim.simulate import draw_cache
from frontiersim.units import money


@dataclass(frozen=True, eq=False)
class Frontier:
    """Candidates of one policy family on one sample, the naive policies beside them, and the ruin limit.

    Built from an optimization by :meth:`from_result`, or traced on its own
    (without a validated recommendation) by :func:`trace_frontier`.

    Attributes
    ----------
    scenario_name : str
    family : str
        Name of the policy family.
    parameter : str
        The family's parameter, with its unit.
    objective : Objective
    search : tuple of PolicyEvaluation
        Candidates on the common (search) sample, in parameter order.
    naive : dict of str to PolicyEvaluation
        The naive reference policies on the same sample.
    search_draws : int
    max_ruin : float or None
        The ruin limit: a candidate is feasible when the upper end of its
        P(ruin) interval is at or below it. None: no limit (nothing marked).
    min_cvar : float or None
        Optional CVaR floor (USD) that feasible candidates also meet.
    cvar_alpha : float
        Tail share of the CVaR figures.
    chosen_search : PolicyEvaluation or None
        The recommended (or best feasible) candidate on the search sample.
    chosen_validation : PolicyEvaluation or None
        The same policy on fresh validation draws, when it was validated.
    validation_draws : int or None
    seed_entropy : int or None
        Entropy of the search sample's root seed (to repeat it).
    lab : str or None
        The lab whose policy the family sets (the figures are that lab's);
        None for the one lab of a scenario without ``[labs.*]`` tables.
    """

    scenario_name: str
    family: str
    parameter: str
    objective: Objective
    search: tuple[PolicyEvaluation, ...]
    naive: Mapping[str, PolicyEvaluation]
    search_draws: int
    max_ruin: float | None = None
    min_cvar: float | None = None
    cvar_alpha: float = 0.05
    chosen_search: PolicyEvaluation | None = None
    chosen_validation: PolicyEvaluation | None = None
    validation_draws: int | None = None
    seed_entropy: int | None = field(default=None, compare=False)
    lab: str | None = None

    @classmethod
    def from_result(
        cls, result: OptimizationResult, *, min_cvar: float | None = None, cvar_alpha: float = 0.05
    ) -> Frontier:
        """The frontier of an optimization, with its recommendation on both samples.

        Parameters
        ----------
        result : OptimizationResult
        min_cvar : float, optional
            The CVaR floor the optimization was run with (the result does not
            record it), so that the table's ``feasible`` column matches the
            search.
        cvar_alpha : float
            The CVaR tail share it was run with (likewise not recorded).

        Returns
        -------
        Frontier
        """
        attrs = result.chosen_in_search.result.dataset.attrs
        return cls(
            scenario_name=str(attrs.get("scenario_name", "")),
            family=result.family.name,
            parameter=result.family.parameter,
            objective=result.objective,
            search=tuple(result.search),
            naive=dict(result.naive_search),
            search_draws=result.search_draws,
            max_ruin=result.max_ruin,
            min_cvar=min_cvar,
            cvar_alpha=cvar_alpha,
            chosen_search=result.chosen_in_search,
            chosen_validation=result.chosen,
            validation_draws=result.validation_draws,
            seed_entropy=_entropy(attrs.get("seed_entropy")),
            lab=result.family.lab,
        )

    def is_feasible(self, evaluation: PolicyEvaluation) -> bool:
        """Whether ``evaluation`` meets the ruin limit (and CVaR floor), as the search judges it.

        Parameters
        ----------
        evaluation : PolicyEvaluation

        Returns
        -------
        bool
            Always False when there is no ruin limit.
        """
        if self.max_ruin is None:
            return False
        return evaluation.ruin.high <= self.max_ruin and (self.min_cvar is None or evaluation.cvar >= self.min_cvar)

    def best_feasible(self) -> PolicyEvaluation | None:
        """The feasible candidate with the highest mean objective on the search sample, if any."""
        feasible = [e for e in self.search if self.is_feasible(e)]
        return max(feasible, key=lambda e: e.objective.mean) if feasible else None

    def table(self) -> pd.DataFrame:
        """Every candidate, then the naive policies, on the search sample.

        Returns
        -------
        pandas.DataFrame
            One row per policy. Columns: ``policy`` (label), ``kind``
            (``candidate`` or ``naive``), the family ``parameter``, P(ruin)
            with its Wilson (``low``, ``high``) and Clopper-Pearson
            (``exact low``, ``exact high``) bounds, ``objective mean`` and
            ``objective se`` (USD), ``objective CVaR`` (USD), ``revenue
            served`` and ``unserved demand`` (USD over the horizon, mean),
            ``feasible`` and ``chosen`` (the recommended or best feasible
            candidate).
        """
        chosen = self.chosen_search
        records = []
        rows: list[tuple[str, PolicyEvaluation]] = [("candidate", e) for e in self.search]
        rows += [("naive", e) for e in self.naive.values()]
        for kind, e in rows:
            records.append(
                {
                    "policy": e.label,
                    "kind": kind,
                    "parameter": e.parameter if kind == "candidate" else math.nan,
                    "P(ruin)": e.ruin.estimate,
                    "P(ruin) low": e.ruin.low,
                    "P(ruin) high": e.ruin.high,
                    "P(ruin) exact low": e.ruin_exact.low,
                    "P(ruin) exact high": e.ruin_exact.high,
                    "objective mean": e.objective.mean,
                    "objective se": e.objective.standard_error,
                    "objective CVaR": e.cvar,
                    "revenue served": e.revenue.mean,
                    "unserved demand": e.unserved.mean,
                    "feasible": self.is_feasible(e),
                    "chosen": kind == "candidate" and chosen is not None and e.parameter == chosen.parameter,
                }
            )
        return pd.DataFrame.from_records(records)


def _entropy(value: object) -> int | None:
    """A seed's entropy as an int, if it is one (a str of digits, as stored in a dataset's attrs, counts)."""
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def trace_frontier(
    scenario: Scenario,
    family: PolicyFamily,
    objective: Objective | None = None,
    *,
    draws: int = 20_000,
    seed: SeedLike = None,
    candidates: int = 21,
    max_ruin: float | None = None,
    min_cvar: float | None = None,
    cvar_alpha: float = 0.05,
    confidence: float = 0.95,
    progress: Callable[[str], None] | None = None,
    draws_cache_bytes: int = DEFAULT_CACHE_BYTES,
) -> Frontier:
    """Evaluate a grid of ``family`` and the naive policies on common draws, without choosing.

    Unlike :func:`~frontiersim.optimize.search.optimize_policy` this never
    fails for want of a feasible policy, does not refine and does not
    validate: it is the frontier alone. With the same ``seed``, ``draws``
    and ``candidates`` its grid points are exactly those of the optimizer's
    search. The family is one lab's (:attr:`PolicyFamily.lab`); the other
    labs keep the scenario's policies.

    Parameters
    ----------
    scenario : Scenario
    family : PolicyFamily
    objective : Objective, optional
        Defaults to expected discounted profit.
    draws : int
        Draws per policy, common to all (common random numbers).
    seed : int, SeedSequence, Generator or None
        Defaults to the scenario's seed.
    candidates : int
        Grid size, at least 2.
    max_ruin : float, optional
        Ruin limit used only to mark feasible candidates and the best of them.
    min_cvar : float, optional
        CVaR floor (USD) for feasibility.
    cvar_alpha, confidence : float
        Tail share of the CVaR and level of every interval.
    progress : callable, optional
        Called with a short message after each evaluation
        (``candidates + 3`` calls).
    draws_cache_bytes : int
        Bound on the sampled draws kept and reused by every policy
        (:mod:`frontiersim.draws.cache`); the figures do not depend on it.

    Returns
    -------
    Frontier
    """
    objective = objective or Objective()
    root = seed_sequence(scenario.simulation.seed if seed is None else seed)
    common_draws = draw_cache(scenario, max_bytes=draws_cache_bytes)  # each chunk sampled once for every policy

    def run(policy_label: str, parameter: float | None, policy: ProcurementPolicy) -> PolicyEvaluation:
        evaluation = evaluate_policy(
            scenario,
            policy,
            objective,
            draws=draws,
            seed=root,
            label=policy_label,
            parameter=parameter,
            lab=family.lab,
            cvar_alpha=cvar_alpha,
            confidence=confidence,
            keep_result=False,
            draws_cache=common_draws,
        )
        if progress is not None:
            progress(f"{evaluation.label}: P(ruin) {evaluation.ruin}, objective {money(evaluation.objective.mean)}")
        return evaluation

    search = tuple(run(family.label(float(v)), float(v), family.build(float(v))) for v in family.grid(candidates))
    naive = {name: run(name, None, policy) for name, policy in naive_policies(scenario, family.lab).items()}
    frontier = Frontier(
        scenario_name=scenario.meta.name,
        family=family.name,
        parameter=family.parameter,
        objective=objective,
        search=search,
        naive=naive,
        search_draws=draws,
        max_ruin=max_ruin,
        min_cvar=min_cvar,
        cvar_alpha=cvar_alpha,
        seed_entropy=_entropy(root.entropy),
        lab=family.lab,
    )
    best = frontier.best_feasible()
    if best is None:
        return frontier
    return dataclasses.replace(frontier, chosen_search=best)

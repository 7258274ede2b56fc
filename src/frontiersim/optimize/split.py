"""Searching the training share jointly with the buying policy.

The split of compute between training and inference is a decision of the
lab ("you spend of order one fraction of the business, right? Like not 5%
not 95%": Dwarkesh Podcast, "Dario Amodei: We are near the end of the
exponential", 2026-02-13), and so is how much compute to buy. The two
interact: a lab that plans to train with more of its compute must buy more
to serve the same demand. :func:`optimize_training_share` searches both: for
each planned training share on a grid it finds the best policy of a family
under the ruin limit (:func:`~frontiersim.optimize.search.optimize_policy`,
with the share set both in the lab's allocation, ``operations.target_training_share``,
and in its policy's plan, ``policy.target_training_share``), then keeps the
share whose recommendation, confirmed on fresh draws, has the best
objective. Every share is evaluated on the same draws (common random
numbers), so the comparison is of policies, not of luck.

A grid over one share and a one-parameter search within it is written here
rather than taken from a general optimiser because each point is itself a
constrained stochastic search with its own confirmation on fresh draws.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from frontiersim.optimize.families import policy_family, resolve_lab
from frontiersim.optimize.search import InfeasibleError, OptimizationResult, optimize_policy
from frontiersim.scenario.distributions import Fixed
from frontiersim.scenario.schema import GrowthHedgePolicySpec, LabOverrides, QuantilePolicySpec, Scenario


def with_training_share(scenario: Scenario, share: float, lab: str | None = None) -> Scenario:
    """``scenario`` with lab ``lab`` planning and keeping ``share`` of its compute for training.

    The share is set in the lab's allocation, under the ``target_share``
    rule, as both the plan and the floor (``operations.target_training_share``
    and ``operations.min_training_share``: demand above the plan no longer
    squeezes training below it, and spare compute still trains), and in its
    policy's plan (the policy's ``target_training_share``, where it has one),
    so that the lab buys for the split it keeps.

    Raises
    ------
    ValueError
        For a share outside [0, 1) or an unknown lab.
    """
    if not 0.0 <= share < 1.0:
        raise ValueError(f"a training share must lie in [0, 1), got {share!r}")
    chosen = resolve_lab(scenario, lab)
    operations: dict[str, Any] = {
        "allocation_rule": "target_share",
        "target_training_share": Fixed(share),
        "min_training_share": Fixed(share),
    }
    plans = isinstance(chosen.policy, GrowthHedgePolicySpec | QuantilePolicySpec)
    if not scenario.lab_overrides:
        policy = scenario.policy
        if isinstance(policy, GrowthHedgePolicySpec | QuantilePolicySpec):
            policy = dataclasses.replace(policy, target_training_share=share)
        return dataclasses.replace(
            scenario, operations=dataclasses.replace(scenario.operations, **operations), policy=policy
        )
    labs = []
    for override in scenario.lab_overrides:
        changed = override
        if override.name == chosen.name:
            changed = _with_lab_keys(changed, "operations", operations)
            if plans and isinstance(changed.policy, GrowthHedgePolicySpec | QuantilePolicySpec):
                changed = dataclasses.replace(
                    changed, policy=dataclasses.replace(changed.policy, target_training_share=share)
                )
            elif plans:
                changed = _with_lab_keys(changed, "policy", {"target_training_share": share})
        labs.append(changed)
    return dataclasses.replace(scenario, lab_overrides=tuple(labs))


def _with_lab_keys(override: LabOverrides, section: str, keys: dict[str, Any]) -> LabOverrides:
    """A lab's overrides with ``keys`` of ``section`` set (replacing any it had)."""
    merged = {**override.keys(section), **keys}
    sections = [(name, values) for name, values in override.sections if name != section]
    sections.append((section, tuple(merged.items())))
    return dataclasses.replace(override, sections=tuple(sections))


@dataclass(frozen=True)
class TrainingShareSearch:
    """The best policy of a family at each planned training share, and the best pair.

    Attributes
    ----------
    shares : tuple of float
        The planned training shares searched, in order.
    results : dict of float to OptimizationResult or None
        The search at each share; None where no policy met the ruin limit.
    scenarios : dict of float to Scenario
        The scenario at each share.
    """

    shares: tuple[float, ...]
    results: dict[float, OptimizationResult | None]
    scenarios: dict[float, Scenario]

    @property
    def best_share(self) -> float | None:
        """The share whose recommendation has the best objective on fresh draws, among those confirmed there.

        Falls back to unconfirmed recommendations when none is confirmed; None
        when no share has a feasible policy.
        """
        feasible = {share: result for share, result in self.results.items() if result is not None}
        confirmed = {share: result for share, result in feasible.items() if result.confirmed} or feasible
        if not confirmed:
            return None
        return max(confirmed, key=lambda share: confirmed[share].chosen.objective.mean)

    @property
    def best(self) -> OptimizationResult | None:
        """The search at :attr:`best_share`."""
        share = self.best_share
        return None if share is None else self.results[share]

    def table(self) -> pd.DataFrame:
        """One row per share: the recommended parameter, its P(ruin) and objective on fresh draws, confirmation."""
        rows: list[dict[str, Any]] = []
        for share in self.shares:
            result = self.results[share]
            if result is None:
                rows.append({"training_share": share, "feasible": False})
                continue
            chosen = result.chosen
            rows.append(
                {
                    "training_share": share,
                    "feasible": True,
                    "parameter": chosen.parameter,
                    "p_ruin": chosen.ruin.estimate,
                    "p_ruin_high": chosen.ruin.high,
                    "objective_mean_usd": chosen.objective.mean,
                    "objective_se_usd": chosen.objective.standard_error,
                    "confirmed": result.confirmed,
                }
            )
        table = pd.DataFrame(rows)
        table["best"] = table["training_share"] == self.best_share
        return table


def optimize_training_share(
    scenario: Scenario,
    family: str,
    shares: Sequence[float],
    *,
    lab: str | None = None,
    low: float | None = None,
    high: float | None = None,
    progress: Callable[[str], None] | None = None,
    **search: Any,
) -> TrainingShareSearch:
    """Search the planned training share jointly with a policy family (see the module notes).

    Parameters
    ----------
    scenario : Scenario
    family : str
        A family name of :func:`~frontiersim.optimize.families.policy_family`.
    shares : sequence of float
        Planned training shares to try, each in [0, 1).
    lab : str, optional
        The lab searched (default: the first).
    low, high : float, optional
        Search bounds of the family's parameter.
    progress : callable, optional
        Called with a message after each evaluation.
    **search
        Passed to :func:`~frontiersim.optimize.search.optimize_policy`
        (``objective``, ``max_ruin``, ``draws``, ``seed``, ...). The same
        seed at every share gives common random numbers.

    Returns
    -------
    TrainingShareSearch

    Raises
    ------
    ValueError
        For no shares, a repeated share, or one outside [0, 1).
    """
    ordered = tuple(float(share) for share in shares)
    if not ordered:
        raise ValueError("give at least one training share")
    if len(set(ordered)) != len(ordered):
        raise ValueError(f"training shares repeat: {list(ordered)}")
    results: dict[float, OptimizationResult | None] = {}
    scenarios: dict[float, Scenario] = {}
    for share in ordered:
        at_share = with_training_share(scenario, share, lab)
        scenarios[share] = at_share
        members = policy_family(at_share, family, low, high, lab=lab)

        def report(message: str, share: float = share) -> None:
            if progress is not None:
                progress(f"training share {share:g}: {message}")

        try:
            results[share] = optimize_policy(at_share, members, progress=report, **search)
        except InfeasibleError:
            results[share] = None
    return TrainingShareSearch(ordered, results, scenarios)


__all__ = ["TrainingShareSearch", "optimize_training_share", "with_training_share"]

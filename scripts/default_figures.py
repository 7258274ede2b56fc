"""Print the figures of the README's "What the default scenario says" table.

Run from the repository root: ``python scripts/default_figures.py`` (10,000
draws, the scenario's seed; about 3 seconds on two cores).
"""

from __future__ import annotations

import numpy as np

import frontiersim as fs
from frontiersim.units import money


def main() -> None:
    """Simulate the bundled default and print its yearly medians, P(ruin) and obligations."""
    result = fs.simulate(fs.bundled("default"))
    dataset = result.lab_dataset()
    years = [int(year) for year in dataset["year"].values]
    print("year                                   " + "  ".join(f"{year:>12}" for year in years))
    rows = {
        "median revenue": [money(v) for v in np.median(dataset["year_revenue_usd"].values, axis=0)],
        "median capacity (GW)": [f"{v:.3g}" for v in np.median(dataset["year_capacity_gw"].values, axis=0)],
        "median training share": [f"{v:.0%}" for v in np.median(dataset["year_training_share"].values, axis=0)],
    }
    cost = np.median(dataset["model_training_cost_usd"].values, axis=0)
    releases = dataset["release_month"].values
    released = np.arange(cost.size) < cost.size - 1  # the last model is still in training
    costs = []
    for index in range(len(years)):
        that_year = released & (releases >= 12 * index) & (releases < 12 * (index + 1))
        costs.append(f"{money(cost[that_year].min())}-{money(cost[that_year].max())}")
    rows["median model training cost"] = costs
    for label, values in rows.items():
        print(f"{label:<39}" + "  ".join(f"{value:>12}" for value in values))
    print(f"P(ruin within the horizon)      {result.ruin_probability():.2%}")
    print(f"P(ruin including the run-off)   {result.ruin_probability(including_runoff=True):.2%}")
    print(f"obligations after the horizon   {money(result.obligations_after_horizon())} (median of survivors)")


if __name__ == "__main__":
    main()

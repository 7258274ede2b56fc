r"""Fitting the capability and diffusion parameters to observed demand and training compute.

The capability-driven demand of :mod:`frontiersim.models.capability` turns a
path of training compute into a path of demand. Given both paths (monthly
demand and training GW, e.g. from a run of the full simulator), the unknown
parameters

* ``efficiency_doubling_months`` :math:`T` (algorithmic progress),
* ``value_multiple_per_tier`` :math:`m` (value of a capability tier),
* Bass ``innovation_per_year`` :math:`p` and ``imitation_per_year`` :math:`q`
  of a single customer segment,

are estimated by nonlinear least squares on the monthly log growth of demand,
the other parameters being known. With one segment whose demand carries the
lognormal random walk of :class:`~frontiersim.models.capability.SegmentedDemand`,
the observed demand is :math:`D_t = F_t(\theta)\, e^{W_t}` with
:math:`W_t - W_{t-1} \sim N(0, \sigma^2/12)` independent, so

.. math:: r_t(\theta) = \Delta \ln D_t - \Delta \ln F_t(\theta), \quad t \ge 1,

are independent normal errors at the true :math:`\theta`, and minimising
:math:`\sum_t r_t^2` is maximum likelihood [1]_. Parameters are fitted on the
log scale (:func:`scipy.optimize.least_squares`, trust-region reflective); the
standard errors come from the Gauss-Newton covariance
:math:`s^2 (J^\top J)^{-1}` at the optimum with :math:`s^2 = \text{RSS}/(n -
4)` [2]_, and the 95% intervals are :math:`\exp(\hat\theta \pm 1.96\,
\text{se})`.

Identification: :math:`m` scales the log addressable value through both the
compute term :math:`\log_{10}(C_t / C_0)` and the time term :math:`t / T`, so
:math:`T` is told apart from :math:`m` only when training compute does not
grow in proportion to time; :math:`p` and :math:`q` are told apart by the
shape of adoption (the initial overhang is known). :func:`synthetic_capability_data`
therefore buys capacity in uneven steps.

References
----------
.. [1] G. A. F. Seber and C. J. Wild, *Nonlinear Regression*, Wiley, 1989,
   ch. 2 (least squares as maximum likelihood under normal errors).
.. [2] D. M. Bates and D. G. Watts, *Nonlinear Regression Analysis and Its
   Applications*, Wiley, 1988, s2.3 (approximate inference regions from the
   linearisation).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

from frontiersim.models.capability import CapabilityDemand
from frontiersim.models.diffusion import Segment
from frontiersim.models.policies import FixedSchedulePolicy
from frontiersim.scenario.loader import parse_scenario
from frontiersim.scenario.schema import Scenario
from frontiersim.simulate import simulate
from frontiersim.units import number_text

FloatArray = NDArray[np.float64]

#: The parameters fitted, in order.
FITTED_PARAMETERS = (
    "efficiency_doubling_months",
    "value_multiple_per_tier",
    "innovation_per_year",
    "imitation_per_year",
)

#: Parameters held known in the fit, with the values :func:`synthetic_capability_data` uses.
KNOWN_PARAMETERS: Mapping[str, float] = {
    "initial_training_flop": 5.0e26,
    "flop_per_gw_month": 7.0e25,
    "slope_per_decade": 1.0,
    "initial_overhang": 10.0,
    "frontier_compute_growth_per_year": 4.86,
    "initial_usd_per_year": 1.0e10,
    "flop_per_gw_growth_per_year": 1.2,
}

#: Known parameters that are not keys of ``[capability]``: scenario section of each.
_OTHER_SECTIONS: Mapping[str, str] = {"initial_usd_per_year": "demand", "flop_per_gw_growth_per_year": "compute"}

#: The truth :func:`synthetic_capability_data` generates with unless told otherwise (the schema defaults'
#: central values: ~8-month halving, 10x value per tier, the enterprise segment's Bass coefficients).
DEFAULT_TRUTH: Mapping[str, float] = {
    "efficiency_doubling_months": 8.0,
    "value_multiple_per_tier": 10.0,
    "innovation_per_year": 0.05,
    "imitation_per_year": 1.0,
}


@dataclass(frozen=True)
class CapabilityObservations:
    """Observed monthly paths of a capability-driven lab, and the parameters known to the fit.

    Attributes
    ----------
    demand_usd_per_year : ndarray, shape (draws, months)
        Annualised demand, USD/year (> 0).
    training_gw : ndarray, shape (draws, months)
        Training capacity used each month, GW.
    known : mapping of str to float
        Values of :data:`KNOWN_PARAMETERS` (demand at month 0 is read from
        ``demand_usd_per_year``), plus ``rival_labs``.
    ceiling_usd_per_year : float
        Demand cap of the scenario; months at the cap carry no information
        about the parameters and are left out.
    """

    demand_usd_per_year: FloatArray
    training_gw: FloatArray
    known: Mapping[str, float]
    ceiling_usd_per_year: float = math.inf

    @property
    def draws(self) -> int:
        """Number of observed paths."""
        return int(self.demand_usd_per_year.shape[0])

    @property
    def months(self) -> int:
        """Months observed per path."""
        return int(self.demand_usd_per_year.shape[1])


@dataclass(frozen=True)
class CapabilityFit:
    r"""Estimates of :data:`FITTED_PARAMETERS` with their uncertainty.

    Attributes
    ----------
    estimates : dict of str to float
        Least-squares estimates.
    standard_errors_log : dict of str to float
        Standard errors of the log estimates (relative standard errors).
    residual_sd : float
        Standard deviation of the monthly log-growth residuals (an estimate
        of :math:`\sigma / \sqrt{12}`).
    observations : int
        Residuals fitted.
    success : bool
        Whether the optimiser reports convergence.
    message : str
        The optimiser's message.
    """

    estimates: dict[str, float]
    standard_errors_log: dict[str, float]
    residual_sd: float
    observations: int
    success: bool
    message: str

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Central ``level`` interval of one parameter, from the normal approximation on the log scale."""
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        centre, se = math.log(self.estimates[name]), self.standard_errors_log[name]
        return (math.exp(centre - z * se), math.exp(centre + z * se))

    def describe(self) -> str:
        """One line per parameter: estimate and 95% interval."""
        return "\n".join(
            f"{name}: {number_text(value, 4)} (95% CI {number_text(self.interval(name)[0], 4)}-"
            f"{number_text(self.interval(name)[1], 4)})"
            for name, value in self.estimates.items()
        )


def capability_demand_path(parameters: Mapping[str, float], observations: CapabilityObservations) -> FloatArray:
    r"""Noiseless demand the capability model gives for the observed training compute.

    Parameters
    ----------
    parameters : mapping
        Values of :data:`FITTED_PARAMETERS`.
    observations : CapabilityObservations
        The training-compute paths and known parameters.

    Returns
    -------
    ndarray, shape (draws, months)
        Deployed demand :math:`F_t(\theta)`, USD/year, one segment.
    """
    known = observations.known
    draws = observations.draws
    initial = observations.demand_usd_per_year[:, 0]
    segment = Segment(
        "all",
        innovation_per_year=parameters["innovation_per_year"],
        imitation_per_year=parameters["imitation_per_year"],
        volatility_per_sqrt_year=0.0,
        gross_margin=0.5,
        value_share=1.0,
    )
    driver = CapabilityDemand(
        initial_training_flop=known["initial_training_flop"],
        flop_per_gw_month=known["flop_per_gw_month"],
        efficiency_doubling_months=parameters["efficiency_doubling_months"],
        slope_per_decade=known["slope_per_decade"],
        initial_addressable_usd_per_year=initial * known["initial_overhang"],
        value_multiple_per_tier=parameters["value_multiple_per_tier"],
        initial_deployed_usd_per_year=initial,
        draws=draws,
        segments=(segment,),
        frontier_compute_growth_per_year=known["frontier_compute_growth_per_year"],
        rival_labs=int(known["rival_labs"]),
    )
    training = observations.training_gw
    path = np.empty_like(observations.demand_usd_per_year)
    last = np.zeros(draws)
    hardware_growth = known.get("flop_per_gw_growth_per_year", 1.0)
    for month in range(observations.months):
        # last month's GW at last month's hardware, as the simulator counts them
        hardware = hardware_growth ** ((month - 1) / 12.0) if month > 1 else 1.0
        path[:, month] = driver.demand_usd_per_year(month, last * hardware)
        last = training[:, month]
    return path


def fit_capability(observations: CapabilityObservations, start: Mapping[str, float] | None = None) -> CapabilityFit:
    """Fit :data:`FITTED_PARAMETERS` by least squares on monthly log growth of demand.

    Parameters
    ----------
    observations : CapabilityObservations
    start : mapping, optional
        Starting values (default: 12 months, 5x per tier, p = 0.1, q = 0.5 a
        year, deliberately away from the defaults).

    Returns
    -------
    CapabilityFit

    Raises
    ------
    ValueError
        If demand is not positive or fewer months than parameters remain
        below the ceiling.
    """
    demand = observations.demand_usd_per_year
    if not np.all(demand > 0) or not np.all(np.isfinite(demand)):
        raise ValueError("observed demand must be finite and positive")
    start = start or {
        "efficiency_doubling_months": 12.0,
        "value_multiple_per_tier": 5.0,
        "innovation_per_year": 0.1,
        "imitation_per_year": 0.5,
    }
    observed_growth = np.diff(np.log(demand), axis=1)
    below = demand < observations.ceiling_usd_per_year * (1 - 1e-12)
    usable = below[:, 1:] & below[:, :-1]
    if int(usable.sum()) <= len(FITTED_PARAMETERS):
        raise ValueError("too few months below the demand ceiling to fit")

    def residuals(log_theta: FloatArray) -> FloatArray:
        parameters = dict(zip(FITTED_PARAMETERS, np.exp(log_theta), strict=True))
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            model = np.log(capability_demand_path(parameters, observations))
        out = (observed_growth - np.diff(model, axis=1))[usable]
        return np.where(np.isfinite(out), out, 1e3)

    x0 = np.log([start[name] for name in FITTED_PARAMETERS])
    solution = optimize.least_squares(residuals, x0, method="trf", x_scale=1.0, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    n = solution.fun.size
    dof = max(n - len(FITTED_PARAMETERS), 1)
    s2 = float(solution.fun @ solution.fun) / dof
    jacobian = solution.jac
    covariance = s2 * np.linalg.pinv(jacobian.T @ jacobian)
    standard_errors = np.sqrt(np.maximum(np.diag(covariance), 0.0))
    return CapabilityFit(
        estimates={name: float(v) for name, v in zip(FITTED_PARAMETERS, np.exp(solution.x), strict=True)},
        standard_errors_log={name: float(v) for name, v in zip(FITTED_PARAMETERS, standard_errors, strict=True)},
        residual_sd=math.sqrt(s2),
        observations=n,
        success=bool(solution.success),
        message=str(solution.message),
    )


def synthetic_capability_scenario(
    truth: Mapping[str, float] = DEFAULT_TRUTH,
    *,
    volatility_per_sqrt_year: float = 0.2,
    horizon_years: int = 5,
    rival_labs: int = 2,
) -> Scenario:
    """A capability-mode scenario with every parameter fixed: the truth, the known values, one segment.

    Parameters
    ----------
    truth : mapping
        Values of :data:`FITTED_PARAMETERS`.
    volatility_per_sqrt_year : float
        Volatility of the (single, enterprise) segment's log demand.
    horizon_years : int
    rival_labs : int

    Returns
    -------
    Scenario
        Validated like a scenario file. The consumer segment has no value
        share; capacity is bought by the fixed schedule of
        :func:`synthetic_capability_data`, so training compute grows in
        uneven steps.
    """
    data: dict[str, Any] = {
        "scenario": {"name": "synthetic_capability", "horizon_years": horizon_years},
        "demand": {"kind": "capability", "initial_usd_per_year": KNOWN_PARAMETERS["initial_usd_per_year"]},
        "capability": {
            **{key: KNOWN_PARAMETERS[key] for key in KNOWN_PARAMETERS if key not in _OTHER_SECTIONS},
            "efficiency_doubling_months": truth["efficiency_doubling_months"],
            "value_multiple_per_tier": truth["value_multiple_per_tier"],
            "rival_labs": rival_labs,
            "segments": {
                "enterprise": {
                    "value_share": 1.0,
                    "innovation_per_year": truth["innovation_per_year"],
                    "imitation_per_year": truth["imitation_per_year"],
                    "volatility_per_sqrt_year": volatility_per_sqrt_year,
                },
                "consumer": {"value_share": 0.0},
            },
        },
        "compute": {
            "cost_usd_per_gw_year": 12.5e9,
            "lead_time_months": 6,
            "decision_interval_months": 6,
            "flop_per_gw_growth_per_year": KNOWN_PARAMETERS["flop_per_gw_growth_per_year"],
        },
        # the residual rule: training compute moves with demand, which makes the data informative
        "operations": {"allocation_rule": "residual", "min_training_share": 0.3},
        "finance": {"starting_cash_usd": 1.0e15},
        "policy": {"kind": "fixed_schedule", "commitments_gw": [0.0, 4.0, 1.0, 10.0, 2.0, 30.0, 5.0, 60.0]},
    }
    return parse_scenario(data, source="<synthetic capability scenario>")


def synthetic_capability_data(
    truth: Mapping[str, float] = DEFAULT_TRUTH,
    *,
    draws: int = 20,
    seed: int = 20260101,
    volatility_per_sqrt_year: float = 0.2,
    horizon_years: int = 5,
    rival_labs: int = 2,
) -> CapabilityObservations:
    """Simulate the full model with known parameters and observe demand and training compute.

    Parameters
    ----------
    truth : mapping
        Values of :data:`FITTED_PARAMETERS` to generate with.
    draws : int
        Independent paths (different noise, hence different demand,
        allocation and training compute).
    seed : int
    volatility_per_sqrt_year : float
        Noise of the segment's log demand (0: noiseless data).
    horizon_years : int
    rival_labs : int

    Returns
    -------
    CapabilityObservations
        From :func:`frontiersim.simulate` of :func:`synthetic_capability_scenario`.
    """
    scenario = synthetic_capability_scenario(
        truth, volatility_per_sqrt_year=volatility_per_sqrt_year, horizon_years=horizon_years, rival_labs=rival_labs
    )
    policy = FixedSchedulePolicy(scenario.policy.commitments_gw)  # type: ignore[union-attr]
    dataset = simulate(scenario, draws=draws, seed=seed, keep_monthly=True, policy=policy).lab_dataset()
    return CapabilityObservations(
        demand_usd_per_year=np.asarray(dataset["demand_usd_per_year"].transpose("draw", "month").values),
        training_gw=np.asarray(dataset["training_gw"].transpose("draw", "month").values),
        known={**KNOWN_PARAMETERS, "rival_labs": float(rival_labs)},
        ceiling_usd_per_year=scenario.demand.ceiling_usd_per_year,
    )


__all__ = [
    "DEFAULT_TRUTH",
    "FITTED_PARAMETERS",
    "KNOWN_PARAMETERS",
    "CapabilityFit",
    "CapabilityObservations",
    "capability_demand_path",
    "fit_capability",
    "synthetic_capability_data",
    "synthetic_capability_scenario",
]

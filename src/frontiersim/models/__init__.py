"""Models layer: pure, vectorized kernels of the lab's economics."""

from frontiersim.models.allocation import Allocation, allocate
from frontiersim.models.compute import ContractBook, price_usd_per_gw_year
from frontiersim.models.demand import DemandDriver, GrowthDemand, PathDemand, cumulative_log_growth
from frontiersim.models.engine import (
    COHORT_VARIABLES,
    MONTHLY_VARIABLES,
    ChunkOutput,
    demand_driver,
    policy_from_spec,
    run_chunk,
)
from frontiersim.models.finance import CashState, FundraisingRule, cash_step
from frontiersim.models.policies import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    Observation,
    ProcurementPolicy,
    QuantilePolicy,
    required_capacity_gw,
)

__all__ = [
    "COHORT_VARIABLES",
    "MONTHLY_VARIABLES",
    "Allocation",
    "CashState",
    "ChunkOutput",
    "ContractBook",
    "DemandDriver",
    "FixedSchedulePolicy",
    "FundraisingRule",
    "GrowthDemand",
    "GrowthHedgePolicy",
    "Observation",
    "PathDemand",
    "ProcurementPolicy",
    "QuantilePolicy",
    "allocate",
    "cash_step",
    "cumulative_log_growth",
    "demand_driver",
    "policy_from_spec",
    "price_usd_per_gw_year",
    "required_capacity_gw",
    "run_chunk",
]

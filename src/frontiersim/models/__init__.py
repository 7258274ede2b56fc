"""Models layer: pure, vectorized kernels of the lab's economics, assembled from components."""

from frontiersim.models.allocation import Allocation, allocate
from frontiersim.models.catalogue import Catalogue, OutputSpec, YearlyRule
from frontiersim.models.components import Component, LabLayout, MonthState, Setup
from frontiersim.models.compute import ContractBook, price_usd_per_gw_year
from frontiersim.models.demand import DemandDriver, GrowthDemand, PathDemand, cumulative_log_growth
from frontiersim.models.engine import ChunkOutput, run_chunk
from frontiersim.models.finance import CashState, FundraisingRule, cash_step
from frontiersim.models.policies import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    Observation,
    ProcurementPolicy,
    QuantilePolicy,
    required_capacity_gw,
)
from frontiersim.models.policy_specs import median_demand_volatility, policy_from_spec, uses_growth_distribution
from frontiersim.models.ranges import ModelRangeError
from frontiersim.models.registry import SLOTS, Slot, assemble, catalogue, draw_plan, used_keys

__all__ = [
    "SLOTS",
    "Allocation",
    "CashState",
    "Catalogue",
    "ChunkOutput",
    "Component",
    "ContractBook",
    "DemandDriver",
    "FixedSchedulePolicy",
    "FundraisingRule",
    "GrowthDemand",
    "GrowthHedgePolicy",
    "LabLayout",
    "ModelRangeError",
    "MonthState",
    "Observation",
    "OutputSpec",
    "PathDemand",
    "ProcurementPolicy",
    "QuantilePolicy",
    "Setup",
    "Slot",
    "YearlyRule",
    "allocate",
    "assemble",
    "cash_step",
    "catalogue",
    "cumulative_log_growth",
    "draw_plan",
    "median_demand_volatility",
    "policy_from_spec",
    "price_usd_per_gw_year",
    "required_capacity_gw",
    "run_chunk",
    "used_keys",
    "uses_growth_distribution",
]

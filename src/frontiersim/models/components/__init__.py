"""Model components: the parts of the month, each declaring its keys, streams and outputs."""

from frontiersim.models.components.allocation import Allocation
from frontiersim.models.components.base import Component, LabLayout, MonthState, Setup
from frontiersim.models.components.cohorts import Cohorts
from frontiersim.models.components.demand import (
    CapabilityDemandComponent,
    GrowthDemandComponent,
    PathDemandComponent,
    segment_shock_stream,
)
from frontiersim.models.components.finance import Finance
from frontiersim.models.components.market import CapabilityShareMarket, FixedShareMarket
from frontiersim.models.components.procurement import Procurement

__all__ = [
    "Allocation",
    "CapabilityDemandComponent",
    "CapabilityShareMarket",
    "Cohorts",
    "Component",
    "Finance",
    "FixedShareMarket",
    "GrowthDemandComponent",
    "LabLayout",
    "MonthState",
    "PathDemandComponent",
    "Procurement",
    "Setup",
    "segment_shock_stream",
]

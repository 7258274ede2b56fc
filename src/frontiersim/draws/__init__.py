"""Draws layer: every random input, sampled up front and reproducibly."""

from frontiersim.draws.sampling import (
    BLOCK_SIZE,
    DrawPlan,
    Draws,
    SeedLike,
    ShockStream,
    block_generator,
    sample_correlated_range,
    sample_draws,
    sample_range,
    scenario_parameters,
    seed_sequence,
    stream_id,
)

__all__ = [
    "BLOCK_SIZE",
    "DrawPlan",
    "Draws",
    "SeedLike",
    "ShockStream",
    "block_generator",
    "sample_correlated_range",
    "sample_draws",
    "sample_range",
    "scenario_parameters",
    "seed_sequence",
    "stream_id",
]

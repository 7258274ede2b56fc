"""Draws layer: every random input, sampled up front and reproducibly."""

from frontiersim.draws.sampling import (
    BLOCK_SIZE,
    SHOCK_STREAMS,
    Draws,
    SeedLike,
    block_generator,
    sample_draws,
    sample_range,
    seed_sequence,
    segment_shock_stream,
    stream_id,
    uncertain_parameters,
)

__all__ = [
    "BLOCK_SIZE",
    "SHOCK_STREAMS",
    "Draws",
    "SeedLike",
    "block_generator",
    "sample_draws",
    "sample_range",
    "seed_sequence",
    "segment_shock_stream",
    "stream_id",
    "uncertain_parameters",
]

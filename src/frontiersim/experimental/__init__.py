"""Experimental model components: working, tested, but not yet part of the default month.

Their interface may change without notice. Add one to a run by giving
:func:`frontiersim.simulate` the slots with it (``docs/extending.md``).
"""

from frontiersim.experimental.hardware import HardwareSpec, TrainingFlop

__all__ = ["HardwareSpec", "TrainingFlop"]

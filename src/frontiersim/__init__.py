"""frontiersim: Monte Carlo economics of a frontier AI lab.

Layers, data flowing one way: scenario (validated config) -> draws (all
randomness up front) -> models (vectorized kernels) -> results (labelled
arrays) -> outer layers (CLI).

The names below are imported on first use, following the Scientific Python
ecosystem's SPEC 1 (lazy loading of submodules and functions) [1]_ through
:func:`lazy_loader.attach`. ``import frontiersim`` therefore costs only the
import of this file; scipy, pandas and xarray are loaded by the first command
or function that needs them, not by ``frontiersim --version``.

References
----------
.. [1] Scientific Python, "SPEC 1 - Lazy Loading of Submodules and Functions",
   https://scientific-python.org/specs/spec-0001/
"""

import lazy_loader

# The exports are listed once, in __init__.pyi; each is imported on first use.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

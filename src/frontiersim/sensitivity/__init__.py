"""Which uncertain inputs drive which outcomes: Sobol, Morris and rank-correlation sensitivity analyses."""

import lazy_loader

# The exports are listed once, in __init__.pyi; each is imported on first use (SPEC 1).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

"""The run store: every ``run``, ``optimize``, ``frontier`` and ``backtest``, kept with its scenario and results.

See ``docs/store.md`` for the location, the schema and the guarantees.
"""

import lazy_loader

# The exports are listed once, in __init__.pyi; each is imported on first use (SPEC 1).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

"""The dashboard (``frontiersim serve``): sliders, presets and live re-simulation in the browser.

A small Starlette API with a static page whose assets are all served
locally. See ``docs/dashboard.md``.
"""

import lazy_loader

# The exports are listed once, in __init__.pyi; each is imported on first use (SPEC 1).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

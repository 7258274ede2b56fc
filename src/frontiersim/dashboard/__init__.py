"""The dashboard (``frontiersim serve``): sliders, presets and live re-simulation in the browser.

A small Starlette API with a static page whose assets are all served
locally. See ``docs/dashboard.md``.
"""

from frontiersim.dashboard.app import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DRAWS, create_app

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_DRAWS", "create_app"]

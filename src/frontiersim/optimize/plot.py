"""Where :class:`Frontier` and :func:`trace_frontier` were first published.

The frontier is drawn by :mod:`frontiersim.charts.frontier` (one chart
definition, shared by ``frontiersim optimize`` and the HTML report).
``Frontier`` and ``trace_frontier`` live in :mod:`frontiersim.optimize.frontier`;
they are re-exported here for code that imports them from this module.
"""

from __future__ import annotations

from frontiersim.optimize.frontier import Frontier, trace_frontier

__all__ = ["Frontier", "trace_frontier"]

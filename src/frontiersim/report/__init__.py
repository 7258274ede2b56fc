"""Reports of runs: charts for notebooks and a self-contained HTML report.

:mod:`frontiersim.report.charts` gives the charts of :mod:`frontiersim.charts` (Vega-Lite);
:mod:`frontiersim.report.html` renders one HTML file with every chart and
table embedded, which opens offline and references nothing outside itself.
"""

import lazy_loader

# The exports are listed once, in __init__.pyi; each is imported on first use (SPEC 1).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

"""One definition per chart: Vega-Lite specifications (through Altair) shared by the report and the dashboard.

Each chart is a function of a tidy table (a run's tables, a frontier table)
returning an :class:`altair.Chart`. The HTML report renders it to SVG with
``vl-convert`` (:mod:`frontiersim.charts.render`); the dashboard sends the
same specification, data included, to the page, which draws it with the
Vega, Vega-Lite and Vega-Embed bundle served by the dashboard itself
(tooltips, zoom, the log-scale toggle). Nothing is fetched from elsewhere.

- :mod:`frontiersim.charts.run`: fan charts, P(ruin) curves, each lab's
  P(ruin), capability milestones, and every chart of a run;
- :mod:`frontiersim.charts.frontier`: the efficient frontier;
- :mod:`frontiersim.charts.scales`: log or linear value axes, formats;
- :mod:`frontiersim.charts.render`: specifications as JSON, SVG and PNG.
"""

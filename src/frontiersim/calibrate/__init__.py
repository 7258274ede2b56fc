"""Calibration of the model's trends to public Epoch AI data, offline from shipped files.

Data: Epoch AI, https://epoch.ai/data, CC-BY 4.0 (see
``frontiersim/data/epoch/ATTRIBUTION.md``).

- :func:`compute_trend`: training compute of the top-10 models at release, ~4.9x a year.
- :func:`revenue_trend`: a company's annualised revenue, after :data:`DROPPED_ROWS`.
- :func:`backtest_revenue`: the revenue trend fitted to a cutoff, scored on later reports.
- :func:`capability_revenue_check`: capability-mode 2026 against the interviews' run-rates and the revenue fit.
- :func:`fit_capability`: capability and diffusion parameters (algorithmic halving time, value per
  tier, Bass p and q) by least squares on observed demand and training compute; checked on data the
  full simulator generates (:func:`synthetic_capability_data`).
- :func:`calibrate_report`: both fits as text; :func:`write_calibrated_scenarios`: scenario files, the
  revenue fit on ``[demand] growth_per_year`` (growth mode) and the compute trend on ``[capability]
  frontier_compute_growth_per_year`` (capability mode).

References
----------
.. [1] Epoch AI, "Data on AI", https://epoch.ai/data, CC-BY 4.0.
"""

import lazy_loader

# The exports are listed once, in __init__.pyi; each is imported on first use (SPEC 1).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

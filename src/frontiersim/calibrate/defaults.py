"""Defaults of the calibration and backtest commands, importable without pandas or scipy.

The command line shows these in its help, so they live apart from the
modules that read the data and fit the trends.
"""

#: Companies fitted and backtested by default: those with annualised revenue reports in the shipped Epoch AI data.
COMPANIES = ("Anthropic", "OpenAI")

#: Draws per simulation of the simulator backtest unless told otherwise.
BACKTEST_DRAWS = 2_000

#: Root seed of the simulator backtest unless told otherwise.
BACKTEST_SEED = 20260101

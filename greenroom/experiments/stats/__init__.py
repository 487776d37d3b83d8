"""The experiments' numerical core: pure functions on per-variant sums (numpy and scipy only).

No Django here: the app's services read exposures and outcomes, build summaries and call
``analyse``; the design calculator is ``design``. Every statistic is checked against GrowthBook's
gbstats 0.8.0 (run as an oracle in its own environment) in ``experiments/tests``.
"""

"""medlens.evaluation: pure metric functions, bootstrap intervals, calibration, operating points,
plots and reports (torch-free).

Modules: ``metrics`` (pure numpy metrics), ``summary`` (``classification_summary``), ``curves`` (ROC, PR), ``bootstrap`` (``bootstrap_ci``,
``summary_with_ci``), ``calibration`` (``softmax``, ``fit_temperature``, ``reliability_bins``),
``operating`` (``threshold_for_recall``, ``metrics_at_threshold``), ``plots`` (matplotlib PNGs),
``report`` (``write_report``: Markdown + self-contained HTML), ``markdown`` (tiny Markdown -> HTML).
Import the submodule you need; this package imports nothing heavy on its own.
"""

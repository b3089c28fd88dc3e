"""Corruption robustness of a bundled model: 15 ImageNet-C corruptions x 5 severities, CE / mCE.

``metrics`` holds the pure functions (corruption error, mCE, relative mCE), ``sweep`` runs a bundle
(through the torch-free :class:`~medlens.serving.Predictor`) on corrupted copies of a test sample,
``report`` writes the curves (PNG), ``report.md``, ``robustness.json`` and the card entry.
"""

from medlens.robustness.metrics import RobustnessSummary, corruption_errors, summarize

__all__ = ["RobustnessSummary", "corruption_errors", "summarize"]

"""Shortcut audit: does a model read the lesion or how the photo was taken?

``probes`` (per-image acquisition measurements), ``shortcuts`` (probe-label association, source
prediction), ``counterfactual`` (acquisition-only edits and the model's response), ``run``
(``audit_shortcuts``: the whole audit for one bundle) and ``report`` (Markdown + PNG).
"""

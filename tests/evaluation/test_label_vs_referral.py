"""benchmarks/label_vs_referral.py: referred photos whose most likely class is not the target."""

from __future__ import annotations

import numpy as np


def test_disagreement_counts(load_benchmark) -> None:
    mod = load_benchmark("label_vs_referral")
    proba = np.array([[0.9, 0.1], [0.7, 0.3], [0.6, 0.4], [0.2, 0.8], [0.75, 0.25]])
    y = np.array([0, 1, 0, 1, 0])
    # threshold 0.25: rows 1, 2, 3, 4 referred; 1, 2, 4 with arg-max benign; row 1 truly malignant
    assert mod.disagreement(y, proba, target=1, threshold=0.25) == {
        "photos": 5,
        "referred": 4,
        "referred_other_label": 3,
        "of_which_target": 1,
    }
    assert mod.disagreement(y, proba, target=1, threshold=0.5)["referred_other_label"] == 0

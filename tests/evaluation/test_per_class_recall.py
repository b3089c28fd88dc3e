from __future__ import annotations

import numpy as np
import pytest

from medlens.evaluation.per_class import per_class_recall_ci


def test_per_class_recall_points_and_intervals() -> None:
    y = np.array([0] * 20 + [1] * 10 + [2] * 4)
    yhat = y.copy()
    yhat[:5] = 1  # class 0: 15/20
    yhat[20:30] = 1  # class 1: 10/10
    yhat[30:32] = 0  # class 2: 2/4
    out = per_class_recall_ci(y, yhat, ["a", "b", "c"], n_boot=300)
    assert out["a"]["value"] == pytest.approx(0.75) and out["a"]["n"] == 20
    assert out["b"]["value"] == 1.0 and out["b"]["ci_low"] == 1.0
    assert out["c"]["value"] == 0.5 and out["c"]["ci_low"] < 0.5 < out["c"]["ci_high"]
    # the small class has the widest interval
    width = {k: v["ci_high"] - v["ci_low"] for k, v in out.items()}
    assert width["c"] > width["a"]


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="shape"):
        per_class_recall_ci([0, 1], [0], ["a", "b"])

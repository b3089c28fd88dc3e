"""CE / relative CE / mCE against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.robustness.metrics import ce, corruption_errors, relative_ce, summarize


def test_corruption_errors_from_correctness() -> None:
    errs = corruption_errors({"fog": [np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0])]})
    assert errs == {"fog": [0.5, 0.75]}


def test_ce_and_relative_ce_by_hand() -> None:
    assert ce([0.2, 0.4], [0.4, 0.6]) == pytest.approx(0.6)
    # increases over clean: (0.1 + 0.3) / (0.2 + 0.4)
    assert relative_ce([0.2, 0.4], 0.1, [0.4, 0.6], 0.2) == pytest.approx(0.4 / 0.6)


def test_summary_with_and_without_reference() -> None:
    errors = {"fog": [0.2, 0.4], "snow": [0.3, 0.3]}
    alone = summarize(0.1, errors)
    assert alone.mce is None and alone.mean_corruption_error == pytest.approx(0.3)
    ref = {"fog": [0.4, 0.6], "snow": [0.3, 0.3]}
    s = summarize(0.1, errors, reference="r", ref_clean_error=0.2, ref_errors=ref)
    assert s.ce == pytest.approx({"fog": 0.6, "snow": 1.0})
    assert s.mce == pytest.approx(0.8)
    assert s.relative_ce["snow"] == pytest.approx(0.4 / 0.2)
    with pytest.raises(ValueError, match="reference lacks"):
        summarize(0.1, errors, reference="r", ref_clean_error=0.2, ref_errors={"fog": [0.1, 0.1]})


def test_gate_thresholds_from_curves() -> None:
    import cv2
    from skimage import data

    from medlens.robustness.gate import derive_gate, first_bad_severity

    assert first_bad_severity(0.9, [0.88, 0.84, 0.7, 0.6, 0.5], 0.05) == 2
    assert first_bad_severity(0.9, [0.9] * 5, 0.05) is None
    img = cv2.resize(data.chelsea(), (96, 96))
    accs = {
        "defocus_blur": [0.9, 0.8, 0.7, 0.6, 0.5],
        "contrast": [0.9] * 5,
        "brightness": [0.89, 0.88, 0.8, 0.7, 0.6],
        "gaussian_noise": [0.5] * 5,
    }
    g = derive_gate(0.9, accs, [img, img], max_drop=0.05)
    assert g["min_blur"]["tolerated_severity"] == 1 and g["min_blur"]["refuse"] == "below"
    sharp = g["min_blur"]["threshold"]
    from medlens.quality.measures import laplacian_variance, normalized_gray

    assert 0 < sharp < laplacian_variance(normalized_gray(img))  # blurred photos measure below the clean one
    assert g["min_contrast"]["tolerated_severity"] == 5 and "threshold" not in g["min_contrast"]
    assert g["max_p10"]["tolerated_severity"] == 2 and g["max_p10"]["refuse"] == "above"
    assert g["noise"]["tolerated_severity"] == 0 and "threshold" not in g["noise"]

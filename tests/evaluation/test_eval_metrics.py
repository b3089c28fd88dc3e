"""medlens.evaluation.metrics against scikit-learn on random and edge-case inputs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn import metrics as skm

from medlens.evaluation import metrics as m
from medlens.evaluation.summary import classification_summary


def _random_case(
    rng: np.random.Generator, n: int, c: int, ties: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c))
    logits[np.arange(n), y] += 1.0
    if ties:
        logits = np.round(logits, 0)  # many exact ties
    p = np.exp(logits)
    return y, p / p.sum(axis=1, keepdims=True)


CASES = [(200, 2, False), (300, 5, False), (300, 7, True), (50, 3, True)]


@pytest.mark.parametrize(("n", "c", "ties"), CASES)
def test_label_metrics_match_sklearn(rng: np.random.Generator, n: int, c: int, ties: bool) -> None:
    y, p = _random_case(rng, n, c, ties)
    yhat = p.argmax(axis=1)
    assert m.accuracy(y, yhat) == pytest.approx(skm.accuracy_score(y, yhat))
    assert m.balanced_accuracy(y, yhat) == pytest.approx(skm.balanced_accuracy_score(y, yhat))
    np.testing.assert_array_equal(
        m.confusion_matrix(y, yhat, c), skm.confusion_matrix(y, yhat, labels=range(c))
    )
    prf = m.precision_recall_f1(y, yhat, c)
    ref = skm.precision_recall_fscore_support(y, yhat, labels=range(c), zero_division=0)
    for k, key in enumerate(("precision", "recall", "f1", "support")):
        np.testing.assert_allclose(prf[key], ref[k])
    for key, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
        assert prf[f"{key}_macro"] == pytest.approx(fn(y, yhat, average="macro", zero_division=0))
    assert m.cohen_kappa(y, yhat) == pytest.approx(skm.cohen_kappa_score(y, yhat))
    assert m.cohen_kappa(y, yhat, "quadratic") == pytest.approx(
        skm.cohen_kappa_score(y, yhat, weights="quadratic")
    )
    assert m.cohen_kappa(y, yhat, "linear", n_classes=c) == pytest.approx(
        skm.cohen_kappa_score(y, yhat, weights="linear", labels=range(c))
    )
    assert m.mcc(y, yhat) == pytest.approx(skm.matthews_corrcoef(y, yhat))


@pytest.mark.parametrize(("n", "c", "ties"), CASES)
def test_score_metrics_match_sklearn(rng: np.random.Generator, n: int, c: int, ties: bool) -> None:
    y, p = _random_case(rng, n, c, ties)
    if c == 2:
        assert m.roc_auc(y, p[:, 1]) == pytest.approx(skm.roc_auc_score(y, p[:, 1]))
        assert m.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p[:, 1]))
    else:
        assert m.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr", average="macro"))
    per = m.roc_auc_per_class(y, p)
    for k in range(c):
        y_bin = (y == k).astype(int)
        assert per[k] == pytest.approx(skm.roc_auc_score(y_bin, p[:, k]))
        assert m.average_precision(y_bin, p[:, k]) == pytest.approx(
            skm.average_precision_score(y_bin, p[:, k])
        )
        assert m.brier_score(y_bin, p[:, k]) == pytest.approx(skm.brier_score_loss(y_bin, p[:, k]))
    assert m.log_loss(y, p) == pytest.approx(skm.log_loss(y, p, labels=range(c)))
    onehot = np.eye(c)[y]
    assert m.brier_score_multiclass(y, p) == pytest.approx(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def test_auc_ties_count_half() -> None:
    y = np.array([0, 1, 0, 1])
    s = np.array([0.5, 0.5, 0.5, 0.5])
    assert m.roc_auc(y, s) == pytest.approx(0.5) == pytest.approx(skm.roc_auc_score(y, s))
    s2 = np.array([0.1, 0.4, 0.4, 0.9])
    assert m.roc_auc(y, s2) == pytest.approx(skm.roc_auc_score(y, s2))
    assert m.average_precision(y, s2) == pytest.approx(skm.average_precision_score(y, s2))


def test_perfect_predictions() -> None:
    y = np.array([0, 1, 2, 2, 1, 0])
    p = np.eye(3)[y] * 0.9 + 0.1 / 3
    yhat = p.argmax(1)
    assert m.accuracy(y, yhat) == 1.0
    assert m.roc_auc(y, p) == 1.0
    assert m.cohen_kappa(y, yhat) == pytest.approx(1.0)
    assert m.mcc(y, yhat) == pytest.approx(1.0)
    assert m.precision_recall_f1(y, yhat, 3)["f1_macro"] == 1.0
    assert m.average_precision((y == 2).astype(int), p[:, 2]) == 1.0


@pytest.mark.filterwarnings("ignore::UserWarning")  # sklearn's single-label warning
def test_single_class_gives_nan_not_crash() -> None:
    y = np.zeros(10, dtype=int)
    score = np.linspace(0, 1, 10)
    assert math.isnan(m.roc_auc(y, score))
    assert math.isnan(m.average_precision(y, score))
    sens, spec = m.sensitivity_specificity(y, (score > 0.5).astype(int))
    assert math.isnan(sens) and spec == pytest.approx(0.5)
    # everything one class, predicted the same: kappa undefined, mcc 0 (as sklearn)
    assert math.isnan(m.cohen_kappa(y, y))
    assert m.mcc(y, y) == skm.matthews_corrcoef(y, y) == 0.0
    p = np.tile([0.7, 0.2, 0.1], (10, 1))
    assert math.isnan(m.roc_auc(y, p))
    s = classification_summary(y, p, ["a", "b", "c"], target="b")
    assert s["accuracy"] == 1.0 and math.isnan(s["auroc_macro"]) and math.isnan(s["target_auroc"])


@pytest.mark.filterwarnings("ignore::UserWarning")  # sklearn: y_pred has classes not in y_true
def test_multiclass_with_absent_class(rng: np.random.Generator) -> None:
    """Class 3 never occurs: its AUROC is nan and the macro runs over present classes (as sklearn's)."""
    c = 4
    y, p = _random_case(rng, 300, c)
    y = np.where(y == 3, 0, y)
    per = m.roc_auc_per_class(y, p)
    assert math.isnan(per[3])
    present = [0, 1, 2]
    ref = np.mean([skm.roc_auc_score((y == k).astype(int), p[:, k]) for k in present])
    assert m.roc_auc(y, p) == pytest.approx(ref)
    yhat = p.argmax(1)
    prf = m.precision_recall_f1(y, yhat, c)
    assert prf["f1_macro"] == pytest.approx(skm.f1_score(y, yhat, average="macro", zero_division=0))
    assert m.balanced_accuracy(y, yhat) == pytest.approx(skm.balanced_accuracy_score(y, yhat))
    assert m.cohen_kappa(y, yhat, "quadratic", n_classes=c) == pytest.approx(
        skm.cohen_kappa_score(y, yhat, weights="quadratic", labels=range(c))
    )


def test_sensitivity_specificity_and_target_metrics(rng: np.random.Generator) -> None:
    y, p = _random_case(rng, 400, 4)
    yhat = p.argmax(1)
    t = 2
    tm = m.target_class_metrics(y, yhat, t)
    yb, pb = (y == t).astype(int), (yhat == t).astype(int)
    assert tm["f1"] == pytest.approx(skm.f1_score(yb, pb))
    assert tm["accuracy"] == pytest.approx(skm.accuracy_score(yb, pb))
    assert tm["precision"] == pytest.approx(skm.precision_score(yb, pb))
    sens, spec = m.sensitivity_specificity(yb, pb)
    assert sens == pytest.approx(skm.recall_score(yb, pb))
    assert spec == pytest.approx(skm.recall_score(1 - yb, 1 - pb))
    assert (tm["sensitivity"], tm["specificity"]) == (sens, spec)


def test_ece_matches_reference_loop(rng: np.random.Generator) -> None:
    y, p = _random_case(rng, 500, 3)
    conf, pred = p.max(1), p.argmax(1)
    edges = np.linspace(0, 1, 11)
    ref = 0.0
    for lo, hi in itertools.pairwise(edges):
        inb = (conf > lo) & (conf <= hi)
        if inb.any():
            ref += inb.mean() * abs(np.mean(pred[inb] == y[inb]) - conf[inb].mean())
    assert m.expected_calibration_error(y, p, n_bins=10) == pytest.approx(ref)


def test_ece_near_zero_when_calibrated(rng: np.random.Generator) -> None:
    n = 20000
    q = rng.uniform(0.5, 1.0, n)  # confidence of class 1
    y = (rng.uniform(size=n) < q).astype(int)
    p = np.stack([1 - q, q], axis=1)
    assert m.expected_calibration_error(y, p) < 0.02
    assert m.expected_calibration_error(y, q) == pytest.approx(m.expected_calibration_error(y, p))
    overconfident = np.stack([1 - q**0.2, q**0.2], axis=1)
    assert m.expected_calibration_error(y, overconfident) > 0.1


def test_classification_summary_keys_and_threshold(rng: np.random.Generator) -> None:
    classes = ["benign", "malignant"]
    y, p = _random_case(rng, 300, 2)
    s = classification_summary(y, p, classes, target="malignant", threshold=0.3)
    pred = (p[:, 1] >= 0.3).astype(int)
    assert s["target_sensitivity"] == pytest.approx(skm.recall_score(y, pred))
    assert s["target_f1"] == pytest.approx(skm.f1_score(y, pred))
    assert s["target_auroc"] == pytest.approx(skm.roc_auc_score(y, p[:, 1]))
    assert s["auroc_malignant"] == pytest.approx(s["target_auroc"])
    assert s["f1_macro"] == pytest.approx(skm.f1_score(y, p.argmax(1), average="macro"))
    assert all(isinstance(v, float) for v in s.values())
    s_argmax = classification_summary(y, p, classes, target=1)
    assert s_argmax["target_f1"] == pytest.approx(skm.f1_score(y, p.argmax(1)))
    assert "target_threshold" not in s_argmax


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: m.accuracy([0, 1, 1], [0, 1]), "lengths differ"),
        (lambda: m.roc_auc([0, 1, 1], [0.1, 0.2]), "length"),
        (lambda: classification_summary([0, 1], np.ones((2, 3)) / 3, ["a", "b"]), "columns"),
        (lambda: classification_summary([0, 1], np.ones((3, 2)) / 2, ["a", "b"]), "rows"),
        (lambda: m.confusion_matrix([0, 3], [0, 1], 3), "out of range"),
        (lambda: m.roc_auc([0, 2, 1], [0.1, 0.2, 0.3]), "binary"),
        (lambda: classification_summary([0, 1], np.ones((2, 2)) / 2, ["a", "b"], target="zzz"), "zzz"),
        (lambda: m.cohen_kappa([0, 1], [0, 1], weights="cubic"), "weights"),
        (lambda: m.accuracy([], []), "empty"),
    ],
)
def test_bad_input_raises_value_error(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        call()

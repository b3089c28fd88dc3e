"""Pure numpy classification metrics (tested against scikit-learn).

Conventions: ``y`` holds integer class indices ``0..C-1``; ``yhat`` the predicted indices;
``proba`` is ``(n, C)`` class probabilities (or a 1-D positive-class score for binary metrics).
Undefined values (e.g. AUROC when only one class is present) are ``nan``, never an exception;
shape or label problems raise ``ValueError`` naming the problem.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "accuracy",
    "average_precision",
    "balanced_accuracy",
    "brier_score",
    "brier_score_multiclass",
    "cohen_kappa",
    "confidence_bins",
    "confusion_matrix",
    "expected_calibration_error",
    "grade_mae",
    "log_loss",
    "mcc",
    "precision_recall_f1",
    "roc_auc",
    "roc_auc_per_class",
    "sensitivity_specificity",
    "target_class_metrics",
]

_EPS = 1e-15


# ----------------------------------------------------------------------------- validation helpers
def _labels(y: object, name: str = "y") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D class indices, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.bool_):
            return arr.astype(np.int64)
        if not np.all(np.mod(arr, 1) == 0):
            raise ValueError(f"{name} must hold integer class indices, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} holds negative class index {int(arr.min())}")
    return arr.astype(np.int64, copy=False)


def _pair(y: object, yhat: object) -> tuple[np.ndarray, np.ndarray]:
    a, b = _labels(y, "y"), _labels(yhat, "yhat")
    if a.shape != b.shape:
        raise ValueError(f"y and yhat lengths differ: {a.shape[0]} vs {b.shape[0]}")
    if a.size == 0:
        raise ValueError("y is empty")
    return a, b


def _binary(y: object, name: str = "y_bin") -> np.ndarray:
    arr = _labels(y, name)
    if arr.size and arr.max() > 1:
        raise ValueError(f"{name} must be binary 0/1, found label {int(arr.max())}")
    return arr


def _score(score: object, n: int, name: str = "score") -> np.ndarray:
    s = np.asarray(score, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {s.shape}")
    if s.shape[0] != n:
        raise ValueError(f"{name} length {s.shape[0]} does not match labels length {n}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return s


def _proba(proba: object, n: int | None, n_classes: int | None = None, name: str = "proba") -> np.ndarray:
    """A finite (n, C) float matrix of scores (``n=None``: any number of rows)."""
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n, C), got shape {p.shape}")
    if n is not None and p.shape[0] != n:
        raise ValueError(f"{name} has {p.shape[0]} rows but y has {n}")
    if n_classes is not None and p.shape[1] != n_classes:
        raise ValueError(f"{name} has {p.shape[1]} columns but there are {n_classes} classes")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return p


def _safe_div(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


# ----------------------------------------------------------------------------- label metrics
def confusion_matrix(y: object, yhat: object, n_classes: int) -> np.ndarray:
    """(C, C) counts; rows are true classes, columns predicted classes."""
    a, b = _pair(y, yhat)
    top = max(int(a.max()), int(b.max()))
    if top >= n_classes:
        raise ValueError(f"label {top} out of range for n_classes={n_classes}")
    return np.bincount(a * n_classes + b, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def accuracy(y: object, yhat: object) -> float:
    a, b = _pair(y, yhat)
    return float(np.mean(a == b))


def balanced_accuracy(y: object, yhat: object) -> float:
    """Mean recall over the classes present in ``y`` (as scikit-learn)."""
    a, b = _pair(y, yhat)
    n = int(max(a.max(), b.max())) + 1
    cm = confusion_matrix(a, b, n)
    support = cm.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(cm)[present] / support[present]))


def _prf_from_cm(cm: np.ndarray) -> dict[str, np.ndarray]:
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=-1).astype(np.float64)
    predicted = cm.sum(axis=-2).astype(np.float64)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * tp, support + predicted)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support, "predicted": predicted}


def precision_recall_f1(y: object, yhat: object, n_classes: int) -> dict[str, np.ndarray | float]:
    """Per-class precision/recall/F1/support arrays plus macro averages.

    Macro averages run over the classes that occur in ``y`` or ``yhat`` (scikit-learn's default
    label set); a class absent from both is reported per class as 0 but does not drag the mean down.
    Zero division gives 0, as scikit-learn's ``zero_division=0``.
    """
    cm = confusion_matrix(y, yhat, n_classes)
    out = _prf_from_cm(cm)
    seen = (out["support"] + out["predicted"]) > 0
    result: dict[str, np.ndarray | float] = {
        "precision": out["precision"],
        "recall": out["recall"],
        "f1": out["f1"],
        "support": out["support"].astype(np.int64),
    }
    for key in ("precision", "recall", "f1"):
        result[f"{key}_macro"] = float(np.mean(out[key][seen]))
    return result


def _kappa_from_cm(cm: np.ndarray, weights: str | None) -> float:
    cm = cm.astype(np.float64)
    n_classes = cm.shape[0]
    total = cm.sum()
    expected = np.outer(cm.sum(axis=1), cm.sum(axis=0)) / total
    if weights is None:
        w = 1.0 - np.eye(n_classes)
    else:
        i, j = np.meshgrid(np.arange(n_classes), np.arange(n_classes), indexing="ij")
        w = (np.abs(i - j) if weights == "linear" else (i - j) ** 2).astype(np.float64)
    den = float(np.sum(w * expected))
    if den == 0:
        return float("nan")
    return float(1.0 - np.sum(w * cm) / den)


def cohen_kappa(y: object, yhat: object, weights: str | None = None, n_classes: int | None = None) -> float:
    """Cohen's kappa; ``weights`` None, "linear" or "quadratic" (for ordinal grades).

    With ``n_classes`` the weight distance is the class-index distance over ``0..n_classes-1``; without it
    the label set is the sorted union of ``y`` and ``yhat`` (scikit-learn's default). ``nan`` when the
    chance agreement is perfect (e.g. a single class everywhere).
    """
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    a, b = _pair(y, yhat)
    if n_classes is None:
        labels = np.union1d(a, b)
        a, b = np.searchsorted(labels, a), np.searchsorted(labels, b)
        n_classes = labels.size
    return _kappa_from_cm(confusion_matrix(a, b, n_classes), weights)


def grade_mae(y: object, yhat: object) -> float:
    """Mean absolute error in grades (ordinal labels 0..K-1): 0 is perfect, 1 is one grade off on average."""
    a, b = _pair(y, yhat)
    return float(np.mean(np.abs(a - b)))


def _mcc_from_cm(cm: np.ndarray) -> float:
    cm = cm.astype(np.float64)
    t, p = cm.sum(axis=1), cm.sum(axis=0)
    c, s = np.trace(cm), cm.sum()
    cov_ytyp = c * s - t @ p
    cov_ypyp = s * s - p @ p
    cov_ytyt = s * s - t @ t
    den = cov_ytyt * cov_ypyp
    if den == 0:
        return 0.0
    return float(cov_ytyp / np.sqrt(den))


def mcc(y: object, yhat: object) -> float:
    """Matthews correlation coefficient (multiclass Gorodkin form); 0 when undefined, as scikit-learn."""
    a, b = _pair(y, yhat)
    n = int(max(a.max(), b.max())) + 1
    return _mcc_from_cm(confusion_matrix(a, b, n))


def sensitivity_specificity(y_bin: object, yhat_bin: object) -> tuple[float, float]:
    """(sensitivity, specificity) of binary predictions; ``nan`` when a class is absent from ``y_bin``."""
    a, b = _pair(_binary(y_bin, "y_bin"), _binary(yhat_bin, "yhat_bin"))
    pos, neg = a == 1, a == 0
    sens = float(np.mean(b[pos] == 1)) if pos.any() else float("nan")
    spec = float(np.mean(b[neg] == 0)) if neg.any() else float("nan")
    return sens, spec


def target_class_metrics(y: object, yhat: object, target: int) -> dict[str, float]:
    """One-vs-rest metrics for the screening target class (F1-HZ / ACC-HZ style).

    Returns f1, accuracy, precision, sensitivity and specificity of ``y == target`` vs ``yhat == target``.
    """
    a, b = _pair(y, yhat)
    t, p = (a == target).astype(np.int64), (b == target).astype(np.int64)
    tp = float(np.sum(t & p))
    precision = float(_safe_div(tp, p.sum()))
    f1 = float(_safe_div(2 * tp, t.sum() + p.sum()))
    sens, spec = sensitivity_specificity(t, p)
    return {
        "f1": f1,
        "accuracy": float(np.mean(t == p)),
        "precision": precision,
        "sensitivity": sens,
        "specificity": spec,
    }


# ----------------------------------------------------------------------------- score metrics
def _average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their average rank (scipy's rankdata 'average')."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    boundary = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(boundary) - 1
    starts = np.flatnonzero(boundary)
    ends = np.r_[starts[1:], xs.size]
    avg = (starts + ends + 1) / 2.0
    ranks = np.empty(x.size, dtype=np.float64)
    ranks[order] = avg[group]
    return ranks


def _binary_auc(y_bin: np.ndarray, score: np.ndarray) -> float:
    n_pos = int(y_bin.sum())
    n_neg = y_bin.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(score)
    return float((ranks[y_bin == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_auc_per_class(y: object, proba: object) -> np.ndarray:
    """One-vs-rest AUROC per column of ``proba``; ``nan`` for a class absent from ``y`` (or always present)."""
    a = _labels(y)
    p = _proba(proba, a.size)
    if a.size and a.max() >= p.shape[1]:
        raise ValueError(f"label {int(a.max())} out of range for proba with {p.shape[1]} columns")
    return np.array([_binary_auc((a == k).astype(np.int64), p[:, k]) for k in range(p.shape[1])])


def roc_auc(y: object, proba: object) -> float:
    """AUROC: binary when ``proba`` is 1-D (positive-class score) or has 2 columns, else macro one-vs-rest.

    Ties count one half (Mann-Whitney, as scikit-learn). The macro mean skips classes whose AUROC is
    undefined; ``nan`` when none is defined.
    """
    p = np.asarray(proba)
    if p.ndim == 1:
        a = _binary(y)
        return _binary_auc(a, _score(p, a.size))
    if p.ndim == 2 and p.shape[1] == 2:
        a = _binary(y)
        return _binary_auc(a, _score(p[:, 1], a.size, "proba[:, 1]"))
    per = roc_auc_per_class(y, p)
    return float(np.nanmean(per)) if np.any(~np.isnan(per)) else float("nan")


def cumulative_counts(y_bin: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct scores, true positives, false positives) at each distinct threshold, by decreasing
    score: what ROC, precision-recall and average precision are all computed from."""
    order = np.argsort(-score, kind="mergesort")
    s_sorted, a_sorted = score[order], y_bin[order]
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    tps = np.cumsum(a_sorted)[last].astype(np.float64)
    fps = np.cumsum(1 - a_sorted)[last].astype(np.float64)
    return s_sorted[last], tps, fps


def average_precision(y_bin: object, score: object) -> float:
    """Average precision (step-wise area under the PR curve, as scikit-learn); ``nan`` without positives."""
    a = _binary(y_bin)
    s = _score(score, a.size)
    n_pos = int(a.sum())
    if n_pos == 0:
        return float("nan")
    _, tps, fps = cumulative_counts(a, s)
    precision = tps / (tps + fps)
    recall = tps / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier_score(y_bin: object, p: object) -> float:
    """Binary Brier score: mean squared error between probability and outcome."""
    a = _binary(y_bin)
    s = _score(p, a.size, "p")
    return float(np.mean((s - a) ** 2))


def brier_score_multiclass(y: object, proba: object) -> float:
    """Multiclass Brier score: mean over rows of the squared distance to the one-hot label."""
    a = _labels(y)
    p = _proba(proba, a.size)
    onehot = np.eye(p.shape[1])[a]
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def log_loss(y: object, proba: object) -> float:
    """Mean negative log-likelihood of the true class (probabilities clipped at 1e-15)."""
    a = _labels(y)
    p = _proba(proba, a.size)
    return float(-np.mean(np.log(np.clip(p[np.arange(a.size), a], _EPS, 1.0))))


def _as_2d(proba: object, n: int) -> np.ndarray:
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        p = np.stack([1.0 - p, p], axis=1)
    return _proba(p, n)


def confidence_bins(y: object, proba: object, n_bins: int = 15) -> dict[str, np.ndarray]:
    """Top-label confidence binning over equal-width bins (lo, hi]: edges, counts, mean confidence, accuracy."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    a = _labels(y)
    p = _as_2d(proba, a.size)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == a).astype(np.float64)
    idx = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    counts = np.bincount(idx, minlength=n_bins)
    conf_sum = np.bincount(idx, weights=conf, minlength=n_bins)
    acc_sum = np.bincount(idx, weights=correct, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(counts > 0, conf_sum / np.maximum(counts, 1), np.nan)
        acc = np.where(counts > 0, acc_sum / np.maximum(counts, 1), np.nan)
    return {
        "edges": np.linspace(0.0, 1.0, n_bins + 1),
        "counts": counts,
        "confidence": mean_conf,
        "accuracy": acc,
    }


def expected_calibration_error(y: object, proba: object, n_bins: int = 15) -> float:
    """Top-label ECE: count-weighted mean |accuracy - confidence| over equal-width confidence bins."""
    b = confidence_bins(y, proba, n_bins)
    keep = b["counts"] > 0
    weights = b["counts"][keep] / b["counts"].sum()
    return float(np.sum(weights * np.abs(b["accuracy"][keep] - b["confidence"][keep])))

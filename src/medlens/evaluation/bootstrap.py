"""Percentile bootstrap confidence intervals over rows (test-set uncertainty).

``bootstrap_ci`` works with any metric function. ``summary_with_ci`` computes the headline metrics of
``classification_summary`` for all resamples at once from per-row resample counts (confusion matrices
and tie-aware AUROC / AP by weighted counting), so 1000 resamples of 10k rows take about a second.
Both draw the same resamples for the same seed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from medlens.evaluation.metrics import _labels, _proba, confidence_bins
from medlens.evaluation.summary import _target_index, classification_summary

__all__ = [
    "MAIN_METRICS",
    "TARGET_METRICS",
    "bootstrap_ci",
    "interval",
    "summary_resamples",
    "summary_with_ci",
]

log = logging.getLogger(__name__)

MAIN_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "auroc_macro",
    "kappa",
    "kappa_quadratic",
    "mcc",
    "log_loss",
    "brier",
    "ece",
)
TARGET_METRICS = (
    "target_auroc",
    "target_average_precision",
    "target_sensitivity",
    "target_specificity",
    "target_precision",
    "target_f1",
    "target_accuracy",
)
_CHUNK_CELLS = 2_000_000  # resample rows x data rows per chunk (~16 MB per float array)


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _index_chunks(rng: np.random.Generator, n: int, n_boot: int) -> Iterator[np.ndarray]:
    """Row indices of the resamples, ``(chunk, n)`` at a time (chunk size depends on ``n`` only)."""
    chunk = int(np.clip(_CHUNK_CELLS // max(n, 1), 1, 200))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        yield rng.integers(0, n, size=(b, n))
        done += b


def _interval(values: np.ndarray, alpha: float, name: str) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    skipped = values.size - finite.size
    if skipped:
        log.debug("bootstrap %s: %d of %d resamples undefined, skipped", name, skipped, values.size)
    if finite.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(finite, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def _check_args(n_boot: int, alpha: float) -> None:
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")


def ci_dict(point_lo_hi: tuple[float, float, float]) -> dict[str, float]:
    """``(value, ci_low, ci_high)`` from :func:`bootstrap_ci` as the JSON dict reports and cards use."""
    v, lo, hi = point_lo_hi
    return {"value": float(v), "ci_low": float(lo), "ci_high": float(hi)}


def bootstrap_ci(
    metric_fn: Callable[..., float],
    *arrays: object,
    n_boot: int = 1000,
    seed: int | np.random.Generator = 0,
    alpha: float = 0.05,
) -> tuple[float, float, float]:
    """(point, lo, hi): ``metric_fn(*arrays)`` and its percentile bootstrap interval over rows.

    Resamples where the metric is undefined (nan, or ``ValueError``) are skipped; (point, nan, nan)
    when none is defined.
    """
    _check_args(n_boot, alpha)
    if not arrays:
        raise ValueError("bootstrap_ci needs at least one array")
    arrs = [np.asarray(a) for a in arrays]
    n = arrs[0].shape[0]
    if any(a.shape[0] != n for a in arrs):
        raise ValueError(f"arrays have different numbers of rows: {[a.shape[0] for a in arrs]}")
    if n == 0:
        raise ValueError("cannot bootstrap empty arrays")
    point = float(metric_fn(*arrs))
    values = np.full(n_boot, np.nan)
    i = 0
    for chunk in _index_chunks(_rng(seed), n, n_boot):
        for idx in chunk:
            with contextlib.suppress(ValueError):
                values[i] = float(metric_fn(*(a[idx] for a in arrs)))
            i += 1
    lo, hi = _interval(values, alpha, getattr(metric_fn, "__name__", "metric"))
    return point, lo, hi


# ----------------------------------------------------------------------------- vectorised summary
def _counts(idx: np.ndarray, n: int) -> np.ndarray:
    b = idx.shape[0]
    flat = (idx + np.arange(b)[:, None] * n).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def _div(num: np.ndarray, den: np.ndarray, empty: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), empty)


def _cm_metrics(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics from a batch of confusion matrices ``(B, C, C)``."""
    n_classes = cm.shape[1]
    total = cm.sum(axis=(1, 2))
    tp = np.diagonal(cm, axis1=1, axis2=2)
    support, predicted = cm.sum(axis=2), cm.sum(axis=1)
    present, seen = support > 0, (support + predicted) > 0
    recall = _div(tp, support, 0.0)
    precision = _div(tp, predicted, 0.0)
    f1 = _div(2 * tp, support + predicted, 0.0)

    def macro(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.sum(x * mask, axis=1) / np.maximum(mask.sum(axis=1), 1)

    out = {
        "accuracy": tp.sum(axis=1) / total,
        "balanced_accuracy": macro(recall, present),
        "precision_macro": macro(precision, seen),
        "recall_macro": macro(recall, seen),
        "f1_macro": macro(f1, seen),
    }
    expected = support[:, :, None] * predicted[:, None, :] / total[:, None, None]
    i, j = np.meshgrid(np.arange(n_classes), np.arange(n_classes), indexing="ij")
    for name, w in (("kappa", 1.0 - np.eye(n_classes)), ("kappa_quadratic", (i - j) ** 2.0)):
        den = np.sum(w * expected, axis=(1, 2))
        out[name] = np.where(den > 0, 1.0 - np.sum(w * cm, axis=(1, 2)) / np.where(den > 0, den, 1.0), np.nan)
    c, s = tp.sum(axis=1), total
    cov_tp = c * s - np.sum(support * predicted, axis=1)
    den = (s * s - np.sum(predicted**2, axis=1)) * (s * s - np.sum(support**2, axis=1))
    out["mcc"] = np.where(den > 0, cov_tp / np.sqrt(np.where(den > 0, den, 1.0)), 0.0)
    return out


class _RankedScore:
    """A score sorted once, with tie groups, to compute weighted AUROC / AP for many resamples.

    Works on transposed resample counts ``(n, B)`` so that every reduction runs over contiguous rows.
    """

    def __init__(self, y_bin: np.ndarray, score: np.ndarray, descending: bool) -> None:
        self.order = np.argsort(-score if descending else score, kind="mergesort")
        s = score[self.order]
        self.starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
        self.ties = self.starts.size < s.size
        self.pos = y_bin[self.order].astype(np.float64)[:, None]

    def groups(self, counts_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = counts_t[self.order]
        wpos = w * self.pos
        wneg = w - wpos
        if self.ties:
            return np.add.reduceat(wpos, self.starts, axis=0), np.add.reduceat(wneg, self.starts, axis=0)
        return wpos, wneg


def _auc_batch(ranked: _RankedScore, counts_t: np.ndarray) -> np.ndarray:
    gpos, gneg = ranked.groups(counts_t)  # (groups, B), ascending score
    below = np.cumsum(gneg, axis=0) - gneg
    p, n = gpos.sum(axis=0), gneg.sum(axis=0)
    return _div(np.sum(gpos * (below + 0.5 * gneg), axis=0), p * n, np.nan)


def _ap_batch(ranked: _RankedScore, counts_t: np.ndarray) -> np.ndarray:
    gpos, gneg = ranked.groups(counts_t)  # (groups, B), descending score
    tps, fps = np.cumsum(gpos, axis=0), np.cumsum(gneg, axis=0)
    precision = _div(tps, tps + fps, 0.0)
    return _div(np.sum(gpos * precision, axis=0), gpos.sum(axis=0), np.nan)


def summary_with_ci(
    y: object,
    proba: object,
    classes: Sequence[str],
    target: int | str | None = None,
    threshold: float | None = None,
    n_boot: int = 1000,
    seed: int | np.random.Generator = 0,
    alpha: float = 0.05,
) -> dict[str, dict[str, float]]:
    """Headline metrics with percentile bootstrap intervals: ``name -> {value, ci_low, ci_high}``.

    Point values are those of ``classification_summary`` (same ``target`` / ``threshold`` meaning).
    Note: binned ECE is biased upwards by resampling noise, so its interval can lie above the point value.
    """
    _check_args(n_boot, alpha)
    point, values = summary_resamples(y, proba, classes, target, threshold, n_boot, seed)
    out: dict[str, dict[str, float]] = {}
    for name, v in values.items():
        lo, hi = _interval(v, alpha, name)
        out[name] = {"value": float(point[name]), "ci_low": lo, "ci_high": hi}
    return out


def interval(values: np.ndarray, alpha: float = 0.05, name: str = "metric") -> tuple[float, float]:
    """Percentile interval of resampled values (undefined resamples skipped; nan, nan when none is)."""
    return _interval(np.asarray(values, dtype=np.float64), alpha, name)


def summary_resamples(
    y: object,
    proba: object,
    classes: Sequence[str],
    target: int | str | None = None,
    threshold: float | None = None,
    n_boot: int = 1000,
    seed: int | np.random.Generator = 0,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """(point values, ``name -> (n_boot,)`` resampled values) behind :func:`summary_with_ci`.

    The raw resamples let a caller combine them, e.g. the difference of a metric between two disjoint
    groups resampled independently (:mod:`medlens.evaluation.subgroups`).
    """
    _check_args(n_boot, 0.05)
    a = _labels(y)
    n_classes = len(classes)
    p = _proba(proba, a.size, n_classes)
    point = classification_summary(a, p, classes, target=target, threshold=threshold)
    n = a.size
    yhat = p.argmax(axis=1)
    onehot = np.zeros((n, n_classes * n_classes))
    onehot[np.arange(n), a * n_classes + yhat] = 1.0
    # per-row quantities whose resample means / bin sums give log loss, Brier score and ECE
    bins = confidence_bins(a, p)
    n_bins = bins["counts"].size
    conf = p.max(axis=1)
    bin_idx = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    bin_onehot = np.zeros((n, n_bins))
    bin_onehot[np.arange(n), bin_idx] = 1.0
    per_row = np.stack(
        [
            -np.log(np.clip(p[np.arange(n), a], 1e-15, 1.0)),
            np.sum((p - np.eye(n_classes)[a]) ** 2, axis=1),
        ],
        axis=1,
    )
    gap_rows = np.concatenate([bin_onehot * conf[:, None], bin_onehot * (yhat == a)[:, None]], axis=1)
    if n_classes == 2:
        ranked_cls = [_RankedScore((a == 1).astype(np.int64), p[:, 1], descending=False)]
    else:
        ranked_cls = [
            _RankedScore((a == k).astype(np.int64), p[:, k], descending=False) for k in range(n_classes)
        ]
    names = list(MAIN_METRICS)
    if target is not None:
        t = _target_index(target, classes)
        y_bin = (a == t).astype(np.int64)
        pred_bin = (p[:, t] >= threshold) if threshold is not None else (yhat == t)
        onehot_bin = np.zeros((n, 4))
        onehot_bin[np.arange(n), y_bin * 2 + pred_bin.astype(np.int64)] = 1.0
        ranked_t_auc = _RankedScore(y_bin, p[:, t], descending=False)
        ranked_t_ap = _RankedScore(y_bin, p[:, t], descending=True)
        names += list(TARGET_METRICS)
    values = {name: np.empty(n_boot) for name in names}
    i = 0
    for idx in _index_chunks(_rng(seed), n, n_boot):
        counts = _counts(idx, n)
        counts_t = np.ascontiguousarray(counts.T)
        sl = slice(i, i + idx.shape[0])
        cm = (counts @ onehot).reshape(-1, n_classes, n_classes)
        for name, v in _cm_metrics(cm).items():
            values[name][sl] = v
        values["log_loss"][sl], values["brier"][sl] = (counts @ per_row / n).T
        sums = counts @ gap_rows  # (B, 2 * n_bins): confidence sums, correct sums per bin
        values["ece"][sl] = np.abs(sums[:, :n_bins] - sums[:, n_bins:]).sum(axis=1) / n
        aucs = np.stack([_auc_batch(r, counts_t) for r in ranked_cls], axis=1)
        values["auroc_macro"][sl] = _nanmean_rows(aucs)
        if target is not None:
            tn, fp, fn, tp = (counts @ onehot_bin).T
            values["target_auroc"][sl] = _auc_batch(ranked_t_auc, counts_t)
            values["target_average_precision"][sl] = _ap_batch(ranked_t_ap, counts_t)
            values["target_sensitivity"][sl] = _div(tp, tp + fn, np.nan)
            values["target_specificity"][sl] = _div(tn, tn + fp, np.nan)
            values["target_precision"][sl] = _div(tp, tp + fp, 0.0)
            values["target_f1"][sl] = _div(2 * tp, 2 * tp + fp + fn, 0.0)
            values["target_accuracy"][sl] = (tp + tn) / (tp + tn + fp + fn)
        i += idx.shape[0]
    return point, values


def _nanmean_rows(x: np.ndarray) -> np.ndarray:
    finite = np.isfinite(x)
    k = finite.sum(axis=1)
    return np.where(k > 0, np.sum(np.where(finite, x, 0.0), axis=1) / np.maximum(k, 1), np.nan)

"""Shortcut audit measures (numpy + scikit-learn): probe-label association and source prediction.

* ``probe_label_auroc``: within one source, AUROC of each probe for the target class, with a 95%
  bootstrap interval. 0.5 means the probe says nothing about the label; far from 0.5 (either way)
  means a model could use it as a shortcut.
* ``source_predictability``: a logistic regression on the probes, cross-validated with whole groups
  per fold, predicts the source; out-of-fold AUROC with a CI. Near 1.0 means the images carry their
  source, so any label imbalance between sources becomes learnable from how photos were taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from medlens.audit.probes import FILE_PROBES, PROBES
from medlens.evaluation.bootstrap import bootstrap_ci, ci_dict
from medlens.evaluation.metrics import roc_auc


def probe_label_auroc(
    x: np.ndarray, y_bin: np.ndarray, probes: Sequence[str] = PROBES, n_boot: int = 1000, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """``probe -> {auroc: {value, ci_low, ci_high}, strength, mean_target, mean_other}`` (rows with nan skipped).

    ``strength`` = 2 |AUROC - 0.5| (0: no information, 1: separates the classes perfectly).
    """
    y_bin = np.asarray(y_bin).astype(np.int64)
    out: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(probes):
        v = x[:, k]
        ok = np.isfinite(v)
        if ok.sum() < 4 or len(set(y_bin[ok].tolist())) < 2 or np.nanstd(v) == 0:
            out[name] = {"auroc": None, "strength": None, "n": int(ok.sum())}
            continue
        auc = bootstrap_ci(roc_auc, y_bin[ok], v[ok], n_boot=n_boot, seed=seed)
        out[name] = {
            "auroc": ci_dict(auc),
            "strength": 2 * abs(auc[0] - 0.5),
            "n": int(ok.sum()),
            "mean_target": float(np.mean(v[ok & (y_bin == 1)])),
            "mean_other": float(np.mean(v[ok & (y_bin == 0)])),
        }
    return out


def _impute(x: np.ndarray) -> np.ndarray:
    x = np.where(np.isfinite(x), x, np.nan)
    some = ~np.all(np.isnan(x), axis=0)
    med = np.zeros(x.shape[1])
    med[some] = np.nanmedian(x[:, some], axis=0)
    bad = ~np.isfinite(x)
    x[bad] = np.take(med, np.nonzero(bad)[1])
    return x


def source_predictability(
    x: np.ndarray,
    sources: Sequence[str] | np.ndarray,
    groups: Sequence[str] | np.ndarray,
    probes: Sequence[str] = PROBES,
    pixels_only: bool = False,
    folds: int = 5,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Out-of-fold AUROC (macro one-vs-rest for > 2 sources) of a logistic regression predicting the source.

    ``pixels_only`` drops the file probes (size, aspect, bytes per pixel), which identify a collection
    trivially; what is left is what a square-resized model input still shows.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cols = [k for k, p in enumerate(probes) if not (pixels_only and p in FILE_PROBES)]
    feats = _impute(np.asarray(x, np.float64)[:, cols])
    keep = np.nanstd(feats, axis=0) > 0
    feats = feats[:, keep]
    names = sorted(set(np.asarray(sources).tolist()))
    if len(names) < 2:
        raise ValueError("source prediction needs at least two sources")
    y = np.array([names.index(s) for s in np.asarray(sources).tolist()])
    proba = np.zeros((len(y), len(names)))
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in cv.split(feats, y, np.asarray(groups)):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        model.fit(feats[train], y[train])
        proba[test] = model.predict_proba(feats[test])
    score: np.ndarray = proba[:, 1] if len(names) == 2 else proba
    auc = bootstrap_ci(roc_auc, y, score, n_boot=n_boot, seed=seed)
    acc = float(np.mean(proba.argmax(axis=1) == y))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(feats, y)
    coef = np.abs(model[-1].coef_).max(axis=0)
    used = [p for k, p in zip(cols, [probes[c] for c in cols], strict=True) if keep[cols.index(k)]]
    top = sorted(zip(used, coef.tolist(), strict=True), key=lambda t: -t[1])[:5]
    return {
        "sources": names,
        "n": len(y),
        "features": used,
        "auroc": ci_dict(auc),
        "accuracy": acc,
        "top_features": [{"probe": p, "abs_coef": c} for p, c in top],
    }

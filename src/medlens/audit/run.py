"""``audit_shortcuts``: probes, source prediction and counterfactual sensitivity of one bundle.

Draws up to ``n_per_source`` images of a split per source (half per class where possible, seeded),
measures the artifact probes, how well each predicts the label within its source, how well the
probes predict the source, and how much the served model's P(target) moves under acquisition-only
edits. A model of more than two classes is audited as its target class against the rest. Writes
``shortcuts.json``, ``report.md``, ``probes.png`` and ``examples.png`` to ``out_dir``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from medlens.audit.counterfactual import EDITS, sensitivity
from medlens.audit.probes import PROBES, image_probes, probe_matrix
from medlens.audit.report import write_audit_report
from medlens.audit.shortcuts import probe_label_auroc, source_predictability
from medlens.data.sample import SampleSet
from medlens.data.sources import sources_of
from medlens.serving.predictor import Predictor, softmax
from medlens.serving.source_check import split_indices

log = logging.getLogger(__name__)


def pick_per_source(sample_set: SampleSet, indices: list[int], n_per_source: int, seed: int = 0) -> list[int]:
    """Up to ``n_per_source`` indices per source, split evenly over the labels where possible."""
    rng = np.random.default_rng(seed)
    src = sources_of(sample_set)
    labels = sample_set.labels()
    idx = np.asarray(indices)
    chosen: list[int] = []
    for s in sorted(set(src[idx].tolist())):
        pool = idx[src[idx] == s]
        classes = sorted(set(labels[pool].tolist()))
        per = max(1, n_per_source // len(classes))
        picked: list[int] = []
        for c in classes:
            members = pool[labels[pool] == c]
            picked += rng.choice(members, size=min(per, members.size), replace=False).tolist()
        rest = np.setdiff1d(pool, picked)
        extra = min(n_per_source - len(picked), rest.size)
        if extra > 0:
            picked += rng.choice(rest, size=extra, replace=False).tolist()
        chosen += sorted(picked)
    return chosen


def _target_probs(predictor: Predictor, images: list[np.ndarray], t: int) -> np.ndarray:
    logits = predictor.logits_batch(images, batch_size=64)
    return softmax(logits, predictor.card.temperature)[:, t]


def audit_shortcuts(
    predictor: Predictor,
    sample_set: SampleSet,
    out_dir: Path,
    split: str = "test",
    n_per_source: int = 600,
    n_counterfactual: int = 200,
    train_sources: list[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    command: str = "",
) -> dict[str, Any]:
    """Run the whole audit for ``predictor`` on ``sample_set`` and write the report to ``out_dir``."""
    t0 = time.perf_counter()
    card = predictor.card
    target = card.thresholds.target_class
    if target is None:
        raise ValueError(f"model {card.name!r}: the shortcut audit needs a model with a target class")
    if list(sample_set.classes) != list(card.classes):
        raise ValueError(f"dataset classes {sample_set.classes} do not match model classes {card.classes}")
    t = card.classes.index(target)
    threshold = float(card.thresholds.threshold if card.thresholds.threshold is not None else 0.5)
    chosen = pick_per_source(sample_set, split_indices(sample_set, split), n_per_source, seed)
    sub = sample_set.subset(chosen)
    src = sources_of(sub)
    y_bin = (sub.labels() == t).astype(np.int64)
    images = [s.load_image() for s in sub.samples]
    log.info("probes on %d images", len(images))
    x = probe_matrix([image_probes(im, s.source) for im, s in zip(images, sub.samples, strict=True)])
    names = sorted(set(src.tolist()))
    result: dict[str, Any] = {
        "model": card.name,
        "dataset": sample_set.name,
        "split": split,
        "n": len(chosen),
        "n_per_source": n_per_source,
        "n_counterfactual": n_counterfactual,
        "threshold": threshold,
        "train_sources": train_sources or [],
        "command": command,
        "probes": list(PROBES),
        "label_association": {},
        "prevalence": {},
    }
    for s in names:
        m = src == s
        result["label_association"][s] = probe_label_auroc(x[m], y_bin[m], n_boot=n_boot, seed=seed)
        k = PROBES.index("lens_border")
        result["prevalence"][s] = {
            "lens_border_target": float(np.mean(x[m & (y_bin == 1), k]))
            if (m & (y_bin == 1)).any()
            else None,
            "lens_border_other": float(np.mean(x[m & (y_bin == 0), k])) if (m & (y_bin == 0)).any() else None,
        }
    if len(names) > 1:
        groups = sub.groups()
        result["source_prediction"] = {
            "all probes": source_predictability(x, src, groups, n_boot=n_boot, seed=seed),
            "pixels only": source_predictability(x, src, groups, pixels_only=True, n_boot=n_boot, seed=seed),
        }
    # counterfactual sensitivity on a subsample per source
    cf_idx = pick_per_source(sub, list(range(len(sub))), n_counterfactual, seed + 1)
    cf_images = [images[i] for i in cf_idx]
    p0 = _target_probs(predictor, cf_images, t)
    result["model_on_sample"] = {
        s: {
            "mean_p_target_target": float(p0[(src[cf_idx] == s) & (y_bin[cf_idx] == 1)].mean())
            if ((src[cf_idx] == s) & (y_bin[cf_idx] == 1)).any()
            else None,
            "mean_p_target_other": float(p0[(src[cf_idx] == s) & (y_bin[cf_idx] == 0)].mean())
            if ((src[cf_idx] == s) & (y_bin[cf_idx] == 0)).any()
            else None,
        }
        for s in names
    }
    cf: dict[str, Any] = {}
    edited_probs: dict[str, np.ndarray] = {}
    for name, edit in EDITS.items():
        p1 = _target_probs(predictor, [edit(im) for im in cf_images], t)
        edited_probs[name] = p1
        cf[name] = {}
        for s in names:
            for want in (1, 0):
                m = (src[cf_idx] == s) & (y_bin[cf_idx] == want)
                if m.any():
                    cf[name][f"{s} / {card.classes[t] if want else 'not ' + card.classes[t]}"] = sensitivity(
                        p0[m], p1[m], threshold, n_boot=n_boot, seed=seed
                    )
    result["counterfactual"] = cf
    result["wall_time_s"] = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "shortcuts.json").write_text(json.dumps(result, indent=1, default=float))
    write_audit_report(result, out_dir, cf_images, p0, edited_probs, src[cf_idx], y_bin[cf_idx])
    return result

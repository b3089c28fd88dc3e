"""Shortcut audit for chest X-ray bundles (issue 16): can the image tell its source, where does the model
look on each source, does a disease signal learnt on one source hold on another, and does cropping to
the lung fields (:mod:`medlens.data.lungs`) help.

COVID-19 X-ray models are known to learn which hospital or collection a film came from rather than the
disease (DeGrave et al. 2021, Nat. Mach. Intell.). The measures, all on the audited split (never the
training images, except where a linear probe is trained and then only on its own source):

* **source prediction**: a logistic regression, cross-validated with whole patient/duplicate groups per
  fold, predicts the source from generic ImageNet EfficientNet-Lite0 features and from the bundle's own
  features; within one class (COVID-19 only) the label cannot explain it, so an AUROC near 1 there means
  the source is written in the pixels. Repeated on lung-cropped images.
* **attention on the lungs**: the share of the bundle's class-activation map (target class) that falls
  inside the classical lung mask, per source, beside the lungs' share of the image (the value a map that
  ignores anatomy would get).
* **leave one source out** for the class two sources share: a linear probe on ImageNet features learns
  target-vs-rest on one source's training split and is scored on the other source (every image) and on
  its own test split; full images and lung-cropped ones.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from medlens.data.lungs import crop_to_lungs, lung_mask
from medlens.data.sample import SampleSet
from medlens.data.sources import dataset_of, sources_of
from medlens.evaluation.bootstrap import bootstrap_ci, ci_dict
from medlens.evaluation.metrics import roc_auc
from medlens.serving.predictor import Predictor
from medlens.serving.preprocessing import normalize, resize_for_model
from medlens.serving.source_check import split_indices

log = logging.getLogger(__name__)
SIDE = 224


def load_square(sample_set: SampleSet, indices: Sequence[int], side: int = SIDE) -> list[np.ndarray]:
    """The images at ``indices`` as RGB uint8, resized to ``side`` x ``side``."""
    return [
        cv2.resize(sample_set.samples[i].load_image(), (side, side), interpolation=cv2.INTER_AREA)
        for i in indices
    ]


def bundle_features(predictor: Predictor, images: list[np.ndarray], batch_size: int = 32) -> np.ndarray:
    """Global-average-pooled last feature map of the bundle (N, C), from its ONNX feature output."""
    pp = predictor.card.preprocessing
    out: list[np.ndarray] = []
    for start in range(0, len(images), batch_size):
        batch = np.stack(
            [normalize(resize_for_model(im, pp)[0], pp) for im in images[start : start + batch_size]]
        )
        _, feats = predictor.forward(batch, features=True)
        if feats is None:
            raise ValueError(f"{predictor.card.name}: the bundle has no feature output")
        out.append(feats.mean(axis=(2, 3)))
    return np.concatenate(out)


def imagenet_features(images: list[np.ndarray], batch_size: int = 32) -> np.ndarray:
    """Pooled features (N, 1280) of EfficientNet-Lite0 with its ImageNet weights (torch; training side)."""
    import torch

    from medlens.models import create_classifier
    from medlens.models.backbones import backbone_norm

    model = create_classifier("tf_efficientnet_lite0", num_classes=1000, pretrained="lite0-imagenet").eval()
    model.reset_classifier(0)  # type: ignore[operator]
    mean, std = (np.asarray(v, np.float32)[:, None, None] for v in backbone_norm("tf_efficientnet_lite0"))
    out: list[np.ndarray] = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            x = np.stack(
                [(im.transpose(2, 0, 1) / 255.0 - mean) / std for im in images[start : start + batch_size]]
            )
            out.append(model(torch.from_numpy(x.astype(np.float32))).numpy())
    return np.concatenate(out)


def source_prediction(
    feats: np.ndarray, sources: np.ndarray, groups: np.ndarray, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Out-of-fold AUROC of a logistic regression predicting the source (grouped 5-fold CV), with a CI."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = sorted(set(sources.tolist()))
    if len(names) != 2:
        raise ValueError(f"source prediction here compares two sources, got {names}")
    y = (sources == names[1]).astype(np.int64)
    folds = int(min(5, np.bincount(y).min()))
    if folds < 2:
        return {"sources": names, "n": len(y), "auroc": None, "note": "fewer than 2 images of a source"}
    proba = np.zeros(len(y))
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in cv.split(feats, y, groups):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000))
        model.fit(feats[train], y[train])
        proba[test] = model.predict_proba(feats[test])[:, 1]
    auc = bootstrap_ci(roc_auc, y, proba, n_boot=n_boot, seed=seed)
    return {
        "sources": names,
        "n": len(y),
        "n_per_source": {s: int((sources == s).sum()) for s in names},
        "auroc": ci_dict(auc),
        "accuracy": float(np.mean((proba >= 0.5) == y)),
    }


def lung_attention(predictor: Predictor, images: list[np.ndarray], class_name: str) -> np.ndarray:
    """Per image: (share of the CAM's mass inside the lung mask, lungs' share of the image); NaN if no mask."""
    out = np.full((len(images), 2), np.nan)
    preds = predictor.predict_batch(images, cam=True, cam_class=class_name)
    for i, (im, pred) in enumerate(zip(images, preds, strict=True)):
        mask = lung_mask(im)
        if mask is None or pred.heatmap is None:
            continue
        heat = pred.heatmap.astype(np.float64)
        total = heat.sum()
        if total > 0:
            out[i] = (heat[mask].sum() / total, mask.mean())
    return out


def linear_probe_transfer(
    feats: np.ndarray,
    y_bin: np.ndarray,
    sources: np.ndarray,
    splits: np.ndarray,
    train_source: str,
    test_source: str,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Logistic regression on ``train_source``'s train split; AUROC / recall / specificity at 0.5 on its
    own test split (in-source) and on every image of ``test_source`` (cross-source)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    fit = (sources == train_source) & (splits == "train")
    if len(set(y_bin[fit].tolist())) < 2:
        return {"train_source": train_source, "note": "one class only in the training split"}
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced"))
    model.fit(feats[fit], y_bin[fit])
    result: dict[str, Any] = {"train_source": train_source, "n_train": int(fit.sum())}
    for key, rows in (
        ("in_source_test", (sources == train_source) & (splits == "test")),
        ("cross_source_all", sources == test_source),
    ):
        y, p = y_bin[rows], model.predict_proba(feats[rows])[:, 1]
        entry: dict[str, Any] = {"source": train_source if key == "in_source_test" else test_source}
        entry["n_target"], entry["n_other"] = int(y.sum()), int((1 - y).sum())
        if y.sum() and (1 - y).sum():
            entry["auroc"] = ci_dict(bootstrap_ci(roc_auc, y, p, n_boot=n_boot, seed=seed))
        if y.sum():
            entry["recall"] = float(np.mean(p[y == 1] >= 0.5))
        if (1 - y).sum():
            entry["specificity"] = float(np.mean(p[y == 0] < 0.5))
        result[key] = entry
    return result


def _examples_png(
    predictor: Predictor,
    images: list[np.ndarray],
    sources: np.ndarray,
    class_name: str,
    path: Path,
    k: int = 6,
) -> None:
    rows = []
    for s in sorted(set(sources.tolist())):
        picked = [im for im, src in zip(images, sources.tolist(), strict=True) if src == s][:k]
        preds = predictor.predict_batch(picked, cam=True, cam_class=class_name)
        tiles = [p.overlay if p.overlay is not None else im for p, im in zip(preds, picked, strict=True)]
        tiles += [np.zeros_like(images[0])] * (k - len(tiles))
        row = np.hstack(tiles)
        cv2.putText(row, s, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
        rows.append(row)
    _save_png(np.vstack(rows), path)


def _save_png(rgb: np.ndarray, path: Path) -> None:
    """A palette PNG (128 colours): a fraction of the size, still readable."""
    from PIL import Image

    Image.fromarray(rgb).quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def audit_xray_shortcuts(
    predictor: Predictor,
    sample_set: SampleSet,
    out_dir: Path,
    split: str = "test",
    n_boot: int = 1000,
    seed: int = 0,
    command: str = "",
) -> dict[str, Any]:
    """The X-ray shortcut audit of ``predictor`` on a two-source ``sample_set``; writes json, md and PNGs."""
    t0 = time.perf_counter()
    card = predictor.card
    target = card.thresholds.target_class or card.classes[-1]
    if list(sample_set.classes) != list(card.classes):
        raise ValueError(f"dataset classes {sample_set.classes} do not match model classes {card.classes}")
    t = card.classes.index(target)
    src_all = np.array([dataset_of(s) for s in sources_of(sample_set).tolist()], dtype=object)
    names = sorted(set(src_all.tolist()))
    if len(names) != 2:
        raise ValueError(f"the X-ray audit needs a dataset of two sources, got {names}")
    split_of = np.full(len(sample_set), "train", dtype=object)
    for name, idx in (sample_set.predefined_splits or {}).items():
        split_of[list(idx)] = name
    labels, groups = sample_set.labels(), np.asarray(sample_set.groups(), dtype=object)
    audited = np.asarray(split_indices(sample_set, split))
    everything = np.arange(len(sample_set))
    log.info("loading %d images", len(everything))
    images = load_square(sample_set, everything.tolist())
    cropped = [crop_to_lungs(im) for im in images]
    result: dict[str, Any] = {
        "model": card.name,
        "dataset": sample_set.name,
        "split": split,
        "target": target,
        "sources": names,
        "command": command,
        "counts": {
            s: {c: int(((src_all == s) & (labels == k)).sum()) for k, c in enumerate(card.classes)}
            for s in names
        },
    }
    log.info("ImageNet features (full and lung-cropped)")
    feats = {"full": imagenet_features(images), "lungcrop": imagenet_features(cropped)}
    own = bundle_features(predictor, [images[i] for i in audited])
    # 1. source prediction, on the audited split: all classes, then the target class only
    sp: dict[str, Any] = {}
    for subset, rows in (
        ("all classes", np.ones(len(audited), bool)),
        (f"{target} only", labels[audited] == t),
    ):
        sel = audited[rows]
        sp[subset] = {
            f"imagenet / {view}": source_prediction(feats[view][sel], src_all[sel], groups[sel], n_boot, seed)
            for view in ("full", "lungcrop")
        }
        sp[subset]["bundle features / full"] = source_prediction(
            own[rows], src_all[sel], groups[sel], n_boot, seed
        )
    result["source_prediction"] = sp
    # 2. where the bundle looks: CAM mass on the lungs, per source and class
    log.info("class-activation maps on %d images", len(audited))
    att = lung_attention(predictor, [images[i] for i in audited], target)
    result["lung_attention"] = {}
    for s in names:
        for k, c in enumerate(card.classes):
            m = (src_all[audited] == s) & (labels[audited] == k) & np.isfinite(att[:, 0])
            if m.sum() >= 3:
                result["lung_attention"][f"{s} / {c}"] = {
                    "n": int(m.sum()),
                    "cam_on_lungs": float(att[m, 0].mean()),
                    "lung_area": float(att[m, 1].mean()),
                }
    result["lung_mask_found"] = float(np.isfinite(att[:, 0]).mean())
    # 3. leave one source out for the target class, full images vs lung-cropped
    y_bin = (labels == t).astype(np.int64)
    result["leave_one_source_out"] = {
        view: [
            linear_probe_transfer(feats[view], y_bin, src_all, split_of, a, b, n_boot, seed)
            for a, b in ((names[0], names[1]), (names[1], names[0]))
        ]
        for view in ("full", "lungcrop")
    }
    result["wall_time_s"] = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    _examples_png(
        predictor, [images[i] for i in audited], src_all[audited], target, out_dir / "cam_by_source.png"
    )
    crops = np.hstack([np.vstack([images[i], cropped[i]]) for i in audited[:: max(1, len(audited) // 8)][:8]])
    _save_png(crops, out_dir / "lungcrop_examples.png")
    (out_dir / "shortcuts.json").write_text(json.dumps(result, indent=1))
    (out_dir / "report.md").write_text(xray_audit_markdown(result))
    return result


def _fmt(entry: dict[str, Any] | None) -> str:
    if not entry or entry.get("auroc") is None:
        return "n/a"
    a = entry["auroc"]
    return f"{a['value']:.3f} [{a['ci_low']:.3f}, {a['ci_high']:.3f}]"


def xray_audit_markdown(r: dict[str, Any]) -> str:
    """The audit as a Markdown report."""
    lines = [
        f"# Shortcut audit: {r['model']} on {r['dataset']} ({r['split']} split)",
        "",
        "Screening aid, not a diagnosis. Figures measured by: `" + (r.get("command") or "") + "`",
        "",
        "Images per source and class (all splits; the tables below use the audited split): "
        + "; ".join(
            f"{s}: " + ", ".join(f"{c} {n}" for c, n in r["counts"][s].items()) for s in r["sources"]
        ),
        "",
        "## 1. Can the image tell its source? (grouped 5-fold CV, AUROC with 95% CI; 0.5 = no)",
        "",
        "| images | features | AUROC | n |",
        "|---|---|---|---|",
    ]
    for subset, rows in r["source_prediction"].items():
        for feat, e in rows.items():
            lines.append(f"| {subset} | {feat} | {_fmt(e)} | {e.get('n')} |")
    lines += [
        "",
        f"## 2. Where the model looks: share of the {r['target']} CAM on the lung fields",
        "",
        f"(classical lung mask found on {100 * r['lung_mask_found']:.0f}% of the images; a map blind to "
        "anatomy would put about the lungs' area share on them)",
        "",
        "| source / class | n | CAM on lungs | lung area |",
        "|---|---|---|---|",
    ]
    for key, e in r["lung_attention"].items():
        lines.append(f"| {key} | {e['n']} | {e['cam_on_lungs']:.2f} | {e['lung_area']:.2f} |")
    lines += [
        "",
        f"## 3. Leave one source out ({r['target']} vs rest; linear probe on ImageNet features)",
        "",
        "| images | trained on | in-source test AUROC | other source AUROC | other source recall | "
        "other source specificity |",
        "|---|---|---|---|---|---|",
    ]
    for view, rows in r["leave_one_source_out"].items():
        for e in rows:
            if "cross_source_all" not in e:
                lines.append(f"| {view} | {e['train_source']} | {e.get('note')} | | | |")
                continue
            x = e["cross_source_all"]
            rec = f"{x['recall']:.3f} (n={x['n_target']})" if "recall" in x else "n/a"
            spec = f"{x['specificity']:.3f} (n={x['n_other']})" if "specificity" in x else "n/a"
            lines.append(
                f"| {view} | {e['train_source']} | {_fmt(e['in_source_test'])} | {_fmt(x)} | {rec} | {spec} |"
            )
    lines += ["", "![CAM by source](cam_by_source.png)", "", "![lung crop](lungcrop_examples.png)", ""]
    return "\n".join(lines)

"""Recalibrate a bundle on its own split: new test-time views, a new recall target or a logit adjustment.

The split is made again from the card (:func:`medlens.data.rebuild.rebuild_split`, its sha256 checked),
then temperature, operating threshold, energy OOD gate and conformal sets are refitted on the validation
split and the test metrics measured afresh, exactly as at export
(:func:`medlens.export.bundle._calibrate_and_test`). The model file, CAM head and source gate (fitted on
plain-view features) are kept. Rows measured through the old calibration or views (cross-source,
robustness, subgroups) are dropped from the card: re-run those commands on the new bundle.
The new bundle is built aside and moved into place whole.

With ``logit_adjust=tau`` the decision moves by the training class prior (:mod:`medlens.evaluation.logit_adjust`):
the graph's logits get ``-tau * log(prior) * T`` (``T`` the card's temperature, so the calibrated logits move
by ``-tau * log(prior)``; :mod:`medlens.export.logit_bias`), the prior being the class shares of the split's
training part, and everything above is refitted on top. Choose ``tau`` on validation
(``benchmarks/logit_adjust.py``), never on test.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from medlens.card import CardError, ModelCard, sha256_file
from medlens.export.outdir import check_replaceable, move_into_place

__all__ = ["STALE_METRICS", "apply_logit_adjustment", "recalibrate_bundle"]

log = logging.getLogger(__name__)

STALE_METRICS = ("cross_source", "robustness", "subgroups")


def recalibrate_bundle(
    model_dir: Path,
    out_dir: Path,
    views: Sequence[str] | None = None,
    target_recall: float | None = None,
    recall_confidence: float | None = None,
    data_root: Path | None = None,
    command: str = "",
    n_boot: int = 1000,
    logit_adjust: float | None = None,
) -> ModelCard:
    """Write ``model_dir`` recalibrated (with ``views`` as its test-time views when given) into ``out_dir``.

    ``target_recall`` / ``recall_confidence`` default to the card's. Raises CardError for a bundle that
    cannot be recalibrated (multi-head, tabular, split not rebuildable, a second logit adjustment) and
    ValueError for bad views.
    """
    from medlens.data.rebuild import facts_from_card, rebuild_split
    from medlens.export.bundle import _calibrate_and_test, _split_images
    from medlens.serving.views import check_views
    from medlens.tasks import get_task

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    card = ModelCard.load(model_dir)
    if not card.label_schema().plain:
        raise CardError(
            f"{card.name}: a multi-head or ordinal bundle has no single-head calibration to refit"
        )
    earlier = (card.metrics.get("recalibrated") or {}).get("logit_adjust")
    if logit_adjust is not None and earlier:
        raise CardError(
            f"{card.name} is already logit-adjusted (tau {earlier['tau']}): adjust the bundle it was made from"
        )
    if logit_adjust is not None and card.quantization:
        raise CardError(f"{card.name} is quantized: adjust the float bundle, then quantize")
    if out_dir.resolve() == model_dir.resolve():
        raise ValueError(f"{out_dir} is the bundle itself: write the recalibrated bundle elsewhere")
    check_replaceable(out_dir)
    new_views = check_views(views) if views is not None else list(card.tta)
    facts = facts_from_card(card, data_root)
    split = rebuild_split(facts, card.data.fingerprint, strict=True, hint="(pass --data-root)")
    spec = get_task(card.task)
    recall = float(target_recall or card.thresholds.target_recall or spec.target_recall)
    confidence = recall_confidence or card.thresholds.recall_confidence
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        shutil.copytree(model_dir, work, dirs_exist_ok=True)
        new = ModelCard.load(work)
        old_metrics, old_views = dict(new.metrics), list(new.tta)
        adjustment = None
        if logit_adjust is not None:
            train = [split.sample_set.samples[i].label for i in split.manifest.splits["train"]]
            adjustment = apply_logit_adjustment(new, train, logit_adjust)
        new.tta = new_views
        new.export_command = command or new.export_command
        _calibrate_and_test(new, _split_images((split.sample_set, split.manifest)), spec.target, recall, n_boot,
                            confidence)  # fmt: skip
        source = re.sub(
            r"served TTA: [^)]*", f"served TTA: {new_views or 'none'}", str(old_metrics.get("source", ""))
        )
        kept = {k: v for k, v in old_metrics.items() if k not in STALE_METRICS and k not in new.metrics}
        new.metrics = {**new.metrics, **kept, "source": source or new.metrics["source"]}
        new.metrics["recalibrated"] = {
            "from_views": old_views,
            "views": new_views,
            "command": command,
            "dropped": [k for k in STALE_METRICS if k in old_metrics],
        }
        if adjustment is not None:
            new.metrics["recalibrated"]["logit_adjust"] = adjustment
        elif earlier:
            new.metrics["recalibrated"]["logit_adjust"] = earlier
        new.save(work)
        move_into_place(work, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("%s: recalibrated with views %s -> %s", card.name, new_views or "none", out_dir)
    return ModelCard.load(out_dir)


def apply_logit_adjustment(card: ModelCard, train_labels: list[int], tau: float) -> dict:
    """Add the prior's adjustment at ``tau`` to ``card``'s model file and CAM head in its folder (before it is
    recalibrated); returns the card's record of it and adds a limitation sentence."""
    from medlens.evaluation.logit_adjust import adjustment_bias, class_prior
    from medlens.export.logit_bias import add_logit_bias

    prior = class_prior(train_labels, len(card.classes))
    bias = adjustment_bias(prior, tau)
    raw = bias * float(card.temperature)  # the graph's logits are divided by T when served
    path = card.weights_path
    add_logit_bias(path, path, raw)
    card.weights_sha256, card.weights_bytes = sha256_file(path), path.stat().st_size
    if card.cam_file:
        cam_path = card.directory / card.cam_file
        with np.load(cam_path) as npz:
            arrays = dict(npz)
        arrays["fc_b"] = arrays["fc_b"] + raw
        np.savez(cam_path, **arrays)
        card.cam_sha256 = sha256_file(cam_path)
    shares = ", ".join(f"{c} {p:.3f}" for c, p in zip(card.classes, prior, strict=True))
    card.limitations.append(
        f"Logit-adjusted (tau {tau:g}, chosen on the validation split): the calibrated logits move by -tau x log of "
        f"the training class shares ({shares}), so rarer classes are called more often than the plain model would."
    )
    return {
        "tau": float(tau),
        "prior": {c: float(p) for c, p in zip(card.classes, prior, strict=True)},
        "bias": {c: float(b) for c, b in zip(card.classes, bias, strict=True)},
        "temperature_before": float(card.temperature),
    }

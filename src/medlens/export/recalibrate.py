"""Recalibrate a bundle on its own split: new test-time views or a new recall target, same weights.

The split is made again from the card (:func:`medlens.data.rebuild.rebuild_split`, its sha256 checked),
then temperature, operating threshold, energy OOD gate and conformal sets are refitted on the validation
split and the test metrics measured afresh, exactly as at export
(:func:`medlens.export.bundle._calibrate_and_test`). The model file, CAM head and source gate (fitted on
plain-view features) are kept. Rows measured through the old calibration or views (cross-source,
robustness, subgroups) are dropped from the card: re-run those commands on the new bundle.
The new bundle is built aside and moved into place whole.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from medlens.card import CardError, ModelCard

__all__ = ["STALE_METRICS", "recalibrate_bundle"]

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
) -> ModelCard:
    """Write ``model_dir`` recalibrated (with ``views`` as its test-time views when given) into ``out_dir``.

    ``target_recall`` / ``recall_confidence`` default to the card's. Raises CardError for a bundle that
    cannot be recalibrated (multi-head, tabular, split not rebuildable) and ValueError for bad views.
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
    if out_dir.resolve() == model_dir.resolve():
        raise ValueError(f"{out_dir} is the bundle itself: write the recalibrated bundle elsewhere")
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
        new.save(work)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.replace(out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("%s: recalibrated with views %s -> %s", card.name, new_views or "none", out_dir)
    return ModelCard.load(out_dir)

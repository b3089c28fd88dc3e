"""Cross-source columns of an experiment table: each finished trial's model, exported and run exactly as
served, on a source it never trained on (e.g. HAM10000 for the Kaggle-folder melanoma trials).

```yaml
cross_source: {dataset: melanoma-ham10000, data_root: ../shared/data, split: test, label: HAM10000}
```

Public collections re-use each other's photos (the Kaggle melanoma folder holds every HAM10000
melanoma, re-encoded), so a trial's held-out set drops every photo whose copy the trial trained or
validated on, and every other photo of the same lesion (``group_id``). Copies are found once per
experiment data set (:func:`medlens.data.sources.cross_duplicates`) and cached in the experiment folder;
each trial's result is cached in ``<run>/cross_source.json`` (+ ``cross_source_scores.npz`` for the paired
comparison with the reference trial on the same photos).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CrossSourceSpec",
    "load_cross_scores",
    "paired_cross_auroc",
    "parse_cross_source",
    "trial_cross_source",
]

log = logging.getLogger(__name__)

CACHE_VERSION = 1


@dataclass(frozen=True)
class CrossSourceSpec:
    """The held-out source every trial is also measured on."""

    dataset: str
    data_root: str
    split: str = "test"
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.dataset

    def key(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "data_root": self.data_root, "split": self.split, "v": CACHE_VERSION}


def parse_cross_source(raw: Any, source: str) -> CrossSourceSpec | None:
    """``cross_source`` of an experiment file (None when absent); errors name the file and the key."""
    from medlens.experiments.spec import ExperimentError

    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw.get("dataset") or not raw.get("data_root"):
        raise ExperimentError(f"{source}: cross_source must be a mapping with dataset and data_root")
    unknown = sorted(set(raw) - {"dataset", "data_root", "split", "label"})
    if unknown:
        raise ExperimentError(f"{source}: cross_source has unknown key(s) {', '.join(unknown)}")
    split = str(raw.get("split", "test"))
    if split not in ("train", "val", "test", "all"):
        raise ExperimentError(f"{source}: cross_source.split must be train, val, test or all (got {split!r})")
    return CrossSourceSpec(str(raw["dataset"]), str(raw["data_root"]), split, str(raw.get("label", "")))


@lru_cache(maxsize=2)
def _held_out_set(dataset: str, data_root: str) -> Any:
    from medlens.data import create_dataset

    return create_dataset(dataset, Path(data_root))


def _files_set(files: list[str]) -> Any:
    from medlens.data.sample import Sample, SampleSet

    return SampleSet(name="trial-data", classes=["x"], samples=[Sample(f, {"label": 0}, f) for f in files])


def copies_of(
    spec: CrossSourceSpec, files: list[str], cache_dir: Path, fingerprint: str
) -> dict[str, list[int]]:
    """Real path of a trial-data photo -> indices of its copies in the held-out set (cached per trial data
    set and held-out set: its adapter, resolved root, split-free size and photo list)."""
    import hashlib

    from medlens.data.sources import cross_duplicates

    held_out = _held_out_set(spec.dataset, spec.data_root)
    ident = json.dumps(
        [spec.dataset, os.path.realpath(spec.data_root), [s.source for s in held_out.samples]]
    ).encode()
    key = hashlib.sha256(ident).hexdigest()[:12]
    cache = Path(cache_dir) / f"cross_copies-{spec.dataset}-{key}-{fingerprint[:16]}.json"
    if cache.is_file():
        return {k: list(v) for k, v in json.loads(cache.read_text()).items()}
    real = [os.path.realpath(f) for f in files]
    log.info("looking for copies of %d held-out photos among %d trial photos", len(held_out), len(real))
    out: dict[str, list[int]] = {}
    for i, j in cross_duplicates(_files_set(real), held_out):
        out.setdefault(real[i], []).append(int(j))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(out))
    return out


def clean_indices(
    held_out: Any, indices: list[int], seen_files: list[str], copies: dict[str, list[int]]
) -> tuple[list[int], int]:
    """``indices`` minus photos (and whole lesions/groups) with a copy among ``seen_files``; (kept, dropped)."""
    hit = {j for f in seen_files for j in copies.get(os.path.realpath(f), [])}
    groups = {held_out.samples[j].group_id for j in hit}
    kept = [i for i in indices if i not in hit and held_out.samples[i].group_id not in groups]
    return kept, len(indices) - len(kept)


def _bundle(run_dir: Path) -> Path:
    """The trial exported as a served bundle (ONNX + card, calibrated on the trial's val split); cached."""
    from medlens.export.bundle import export_run

    out = run_dir / "bundle"
    if not (out / "card.json").is_file():
        export_run(run_dir, out, name=run_dir.name, latency_runs=5, n_boot=200)
    return out


def trial_cross_source(
    run_dir: Path, spec: CrossSourceSpec, exp_dir: Path, n_boot: int = 1000
) -> dict[str, Any]:
    """``{n, n_dropped, label, metrics, per_class}`` of the trial on the held-out source (cached)."""
    from medlens.evaluation.calibration import softmax
    from medlens.serving import Predictor
    from medlens.serving.source_check import bundle_logits, evaluate_logits, split_indices

    run_dir = Path(run_dir)
    cache = run_dir / "cross_source.json"
    if cache.is_file():
        cached = json.loads(cache.read_text())
        if cached.get("key") == spec.key():
            return dict(cached)
    split = json.loads((run_dir / "split.json").read_text())
    files = list(split["sources"])
    copies = copies_of(spec, files, exp_dir, str(split.get("dataset_fingerprint", "")))
    held_out = _held_out_set(spec.dataset, spec.data_root)
    seen = [files[i] for i in [*split["train"], *split["val"]]]
    kept, dropped = clean_indices(held_out, split_indices(held_out, spec.split), seen, copies)
    predictor = Predictor.from_card(_bundle(run_dir))
    card = predictor.card
    if list(held_out.classes) != list(card.classes):
        raise ValueError(
            f"held-out dataset {spec.dataset!r} has classes {held_out.classes}, the trial's model {card.classes}"
        )
    logits = bundle_logits(predictor, held_out, kept)
    result = evaluate_logits(
        logits, held_out, kept, card.classes, card.temperature, card.thresholds.target_class,
        card.thresholds.threshold, n_boot=n_boot,
    )  # fmt: skip
    row = (
        next(iter(result["by_source"].values()))
        if len(result["by_source"]) == 1
        else result["by_source"]["all"]
    )
    out = {
        "key": spec.key(),
        "label": spec.title,
        "n": len(kept),
        "n_dropped": dropped,
        "threshold": card.thresholds.threshold,
        "metrics": row["metrics"],
        "per_class": row.get("per_class", {}),
    }
    t = list(card.classes).index(card.thresholds.target_class) if card.thresholds.target_class else -1
    proba = softmax(logits, card.temperature)
    np.savez_compressed(
        run_dir / "cross_source_scores.npz",
        indices=np.asarray(kept, np.int64),
        y_bin=(held_out.subset(kept).labels() == t).astype(np.int64),
        score=proba[:, t] if t >= 0 else proba.max(axis=1),
    )
    cache.write_text(json.dumps(out, indent=1))
    return out


def load_cross_scores(run_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(indices, 1 for the target class else 0, target-class probability) of a trial's held-out photos."""
    path = Path(run_dir) / "cross_source_scores.npz"
    if not path.is_file():
        return None
    z = np.load(path)
    return z["indices"], z["y_bin"], z["score"]


def paired_cross_auroc(
    trial: tuple[np.ndarray, np.ndarray, np.ndarray],
    reference: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_boot: int = 1000,
) -> dict[str, float] | None:
    """Paired bootstrap of the held-out AUROC difference (trial - reference) on the photos both kept."""
    from medlens.evaluation.cross_source import paired_difference

    common, ia, ib = np.intersect1d(trial[0], reference[0], return_indices=True)
    if len(common) == 0:
        return None
    y = trial[1][ia]
    if y.min() == y.max():
        return None
    return paired_difference(y, trial[2][ia], reference[2][ib], "auroc", n_boot=n_boot)

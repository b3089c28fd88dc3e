"""A tiny *trained* melanoma model for the model-registry tests: a synthetic class-per-folder dataset,
``medlens train`` options parsed as the CLI parses them (so the card's training command can be re-run by
``medlens retrain``), a 1-epoch run of a small network at 32 px, exported as a bundle; clinician-confirmed
cases put straight into the database; a copy of a bundle as a second version (same weights)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ("benign", "malignant")


def lesion_image(malignant: bool, rng: np.random.Generator, size: int = 48) -> np.ndarray:
    """Skin-toned texture with a round spot: light brown (benign) or dark and larger (malignant)."""
    img = rng.normal((205, 160, 130), 18, (size, size, 3))
    yy, xx = np.mgrid[0:size, 0:size]
    r = size * (0.32 if malignant else 0.2)
    spot = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < r**2
    img[spot] = (60, 35, 30) if malignant else (150, 100, 70)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_dataset(root: Path, n_per_class: int = 24, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for label in CLASSES:
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(n_per_class):
            Image.fromarray(lesion_image(label == "malignant", rng)).save(
                root / label / f"{label}-{i:03d}.png"
            )
    return root


def train_args(data: Path, run: Path) -> list[str]:
    return [
        *("--task", "melanoma", "--dataset", "imagefolder", "--data-root", str(data), "--out", str(run)),
        *("--backbone", "mobilenetv3_small_050", "--pretrained", "none", "--input-size", "32"),
        *("--epochs", "1", "--batch-size", "16", "--n-boot", "50", "--cache-dir", "", "--threads", "1"),
        "--no-progress",
    ]


def train_tiny_bundle(root: Path) -> Path:
    """``root/data`` (synthetic), ``root/run``, and the bundle ``root/models/melanoma`` (returned)."""
    import torch

    from medlens.cli.train import config_from_args
    from medlens.export import export_run
    from medlens.training.run import run_training

    data = make_dataset(root / "data")
    config = config_from_args(train_args(data, root / "run"))
    torch.manual_seed(0)
    run_training(config)
    bundle = root / "models" / "melanoma"
    export_run(root / "run", bundle, name="melanoma", latency_runs=0, n_boot=50)
    return bundle


def copy_as_version(bundle: Path, out: Path, card_version: str) -> Path:
    """The bundle copied to ``out`` with another card version (same weights: compares as equal)."""
    shutil.copytree(bundle, out)
    card = json.loads((out / "card.json").read_text())
    card["version"] = card_version
    (out / "card.json").write_text(json.dumps(card))
    return out


def add_confirmed_cases(
    session_factory, store, owner_id: int, verdicts: list[tuple[str, str | None]]
) -> list[int]:  # type: ignore[no-untyped-def]
    """Cases scored by the ``melanoma`` model with (predicted label, clinician verdict label) pairs;
    returns their ids. Each gets its own synthetic image (stored as PNG like an upload)."""
    import io

    from medlens.db import Case
    from medlens.db.tables import utcnow

    rng = np.random.default_rng(len(verdicts))
    ids = []
    with session_factory() as db:
        for predicted, verdict in verdicts:
            buf = io.BytesIO()
            Image.fromarray(lesion_image(predicted == "malignant", rng)).save(buf, format="PNG")
            sha, _ = store.put(buf.getvalue())
            row = Case(
                owner_id=owner_id,
                task="melanoma",
                image_sha256=sha,
                prediction={},
                predicted_label=predicted,
                model_name="melanoma",
                model_version="1",
                feedback_label=verdict,
                status="answered" if verdict else "new",
                submitted_at=utcnow(),
            )
            db.add(row)
            db.flush()
            ids.append(row.id)
        db.commit()
    return ids

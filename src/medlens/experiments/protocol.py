"""Data protocols of an experiment: how the trials' data folder is made from the declared source.

``subset`` reproduces a paper's class counts (seed 002: 1,500 malignant + 4,500 benign, a 3:1
subset of the Kaggle melanoma train folder): it draws that many images per class folder with a
seeded generator and links them into ``<experiment>/data/<protocol>/<class>/``, an ImageFolder that
every trial then splits in the usual way (grouped, 70/15/15 by default). The draw is deterministic,
so a resumed or re-run experiment sees the same images; the list is written to ``subset.json``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from medlens.experiments.spec import ExperimentError

log = logging.getLogger(__name__)

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def _subset(protocol: dict[str, Any], base: dict[str, Any], exp_dir: Path) -> dict[str, Any]:
    counts = protocol.get("counts")
    if not isinstance(counts, dict) or not counts:
        raise ExperimentError("protocol subset needs counts: {class folder: number of images}")
    if base.get("dataset", "imagefolder") != "imagefolder":
        raise ExperimentError("protocol subset works on an imagefolder dataset")
    root = Path(str(base.get("data_root", "")))
    if not root.is_dir():
        raise ExperimentError(f"protocol subset: data_root {root} is not a folder")
    seed = int(protocol.get("seed", 0))
    out = exp_dir / "data" / f"subset-{'-'.join(f'{k}{v}' for k, v in sorted(counts.items()))}-s{seed}"
    manifest = out / "subset.json"
    if manifest.is_file():
        return {"dataset": "imagefolder", "data_root": str(out.resolve())}
    rng = np.random.default_rng(seed)
    chosen: dict[str, list[str]] = {}
    for cls, n in sorted(counts.items()):
        folder = root / cls
        files = (
            sorted(p.name for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
            if folder.is_dir()
            else []
        )
        if len(files) < int(n):
            raise ExperimentError(f"protocol subset: {folder} has {len(files)} images, {n} asked")
        chosen[cls] = sorted(rng.choice(files, size=int(n), replace=False).tolist())
    for cls, names in chosen.items():
        (out / cls).mkdir(parents=True, exist_ok=True)
        src = (root / cls).resolve()
        for name in names:
            link = out / cls / name
            if not link.exists():
                os.symlink(src / name, link)
    manifest.write_text(json.dumps({"source": str(root.resolve()), "seed": seed, "files": chosen}, indent=1))
    log.info("subset protocol: %s images linked under %s", sum(len(v) for v in chosen.values()), out)
    return {"dataset": "imagefolder", "data_root": str(out.resolve())}


PROTOCOLS: dict[str, Callable[[dict[str, Any], dict[str, Any], Path], dict[str, Any]]] = {"subset": _subset}


def apply_protocol(protocol: dict[str, Any] | None, base: dict[str, Any], exp_dir: Path) -> dict[str, Any]:
    """The config fields the protocol replaces (e.g. ``data_root``); {} without a protocol."""
    if not protocol:
        return {}
    name = protocol["name"]
    if name not in PROTOCOLS:
        raise ExperimentError(f"unknown protocol {name!r}; valid: {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name](protocol, base, exp_dir)

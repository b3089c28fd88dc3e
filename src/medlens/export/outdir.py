"""Where a derived bundle (``medlens ensemble``, ``medlens recalibrate``) is written: built in a temporary
folder beside ``--out`` and moved into place at the end, so a failure leaves nothing half-written. Only a
missing folder, an empty one or an earlier bundle (a folder with a ``card.json``) is ever replaced: an
``--out`` that names ``models/`` or the working directory is refused before any work, not deleted."""

from __future__ import annotations

import shutil
from pathlib import Path


def check_replaceable(out_dir: Path) -> None:
    """Raise ``ValueError`` when ``out_dir`` exists and is not a folder that may be replaced."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ValueError(f"{out_dir} is a file: give a folder for the bundle")
    if any(out_dir.iterdir()) and not (out_dir / "card.json").is_file():
        raise ValueError(
            f"{out_dir} exists and is not a model bundle (no card.json): choose a new or empty folder"
        )


def move_into_place(work: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` (checked by :func:`check_replaceable`) with the finished ``work`` folder."""
    check_replaceable(out_dir)  # again: it may have changed while the bundle was built
    if out_dir.exists():
        shutil.rmtree(out_dir)
    work.replace(out_dir)

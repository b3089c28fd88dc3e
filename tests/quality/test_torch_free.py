"""Serving-side modules must not import torch, not even transitively."""

from __future__ import annotations

import subprocess
import sys


def test_lesion_and_quality_do_not_import_torch() -> None:
    code = (
        "import sys, medlens.lesion, medlens.quality, medlens.cli.lesion; "
        "bad = [m for m in ('torch', 'timm', 'pytorch_grad_cam') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""Serving must run without torch: import and predict in a fresh interpreter, then inspect sys.modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODE = """
import sys, numpy as np
import medlens.serving, medlens.card, medlens.cli.main
from medlens.serving import Predictor
p = Predictor.from_card(sys.argv[1])
r = p.predict(np.zeros((50, 40, 3), np.uint8) + 120, cam=True)
assert r.overlay is not None
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'timm', 'albumentations'))
print('HEAVY', bad)
"""


def test_serving_does_not_import_torch(melanoma_bundle: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(melanoma_bundle)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout, out.stdout

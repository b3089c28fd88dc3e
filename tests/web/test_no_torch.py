"""The web service must never import torch (the serve install does not ship it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_web_app_and_request_path_do_not_import_torch(models_dir: Path, tmp_path: Path):
    code = f"""
import sys
from fastapi.testclient import TestClient
from medlens.config import Settings
from medlens.web.app import create_app
s = Settings(database_url="sqlite:///{tmp_path}/t.db", data_dir="{tmp_path}/var", models_dir="{models_dir}")
from medlens.db import upgrade_to_head
upgrade_to_head(s.database_url)
with TestClient(create_app(s)) as c:
    assert c.get("/api/v1/tasks").status_code == 200
    assert c.get("/").status_code == 200
import medlens.web.pdf, medlens.cli.serve, medlens.data.dicom, medlens.quality, medlens.lesion
bad = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
print("TORCH" if bad else "CLEAN")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("CLEAN")

"""benchmarks/model_quality_gate.py on a few real images: X-rays refused by a skin model, and the reverse."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_quality_gate_table(shared_data: Path, load_benchmark, capsys: pytest.CaptureFixture[str]) -> None:
    mod = load_benchmark("model_quality_gate")
    assert mod.main(["--n", "3", "--models", "melanoma", "chest-xray", "--data-root", str(shared_data)]) == 0
    rows = {
        tuple(c.strip() for c in line.strip("|").split("|")[:2]): line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("| ") and "---" not in line
    }
    assert "| 0 (0%) | not_skin 3 |" in rows[("melanoma (dermoscopy)", "Kermany pediatric chest X-rays")]
    assert "not_xray 3" in rows[("chest-xray (chest-xray)", "HAM10000 dermoscopy")]
    assert len(rows) == 1 + 2 * len(mod.FOLDERS)  # the header and one row per model and folder

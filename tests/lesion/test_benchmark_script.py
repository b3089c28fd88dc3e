"""benchmarks/abcd_melanoma.py runs end to end on a tiny real sample."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from medlens.config import PROJECT_ROOT


def test_abcd_benchmark_tiny(shared_data: Path, tmp_path: Path) -> None:
    script = PROJECT_ROOT / "benchmarks" / "abcd_melanoma.py"
    spec = importlib.util.spec_from_file_location("abcd_melanoma", script)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    data = shared_data / "melanoma_10000" / "train"
    mod.main(["--data", str(data), "--per-class", "4", "--seed", "1", "--out", str(tmp_path)])
    report = (tmp_path / "report.md").read_text()
    assert "--per-class 4" in report and "| TDS |" in report
    assert (tmp_path / "abcd_boxplots.png").stat().st_size > 1000
    assert len((tmp_path / "abcd_features.csv").read_text().splitlines()) == 9

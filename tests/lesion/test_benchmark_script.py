"""benchmarks/abcd_melanoma.py runs end to end on a tiny real sample."""

from __future__ import annotations

from pathlib import Path


def test_abcd_benchmark_tiny(shared_data: Path, tmp_path: Path, load_benchmark) -> None:
    mod = load_benchmark("abcd_melanoma")
    data = shared_data / "melanoma_10000" / "train"
    mod.main(["--data", str(data), "--per-class", "4", "--seed", "1", "--out", str(tmp_path)])
    report = (tmp_path / "report.md").read_text()
    assert "--per-class 4" in report and "| TDS |" in report
    assert (tmp_path / "abcd_boxplots.png").stat().st_size > 1000
    assert len((tmp_path / "abcd_features.csv").read_text().splitlines()) == 9

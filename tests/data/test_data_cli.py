"""medlens data list / inspect / split / audit."""

from __future__ import annotations

from pathlib import Path

from data_fixtures import write_image
from typer.testing import CliRunner

from medlens.cli.main import app
from medlens.data.splits import SplitManifest

runner = CliRunner()


def _folder(root: Path) -> Path:
    for i in range(12):
        write_image(root / ("benign" if i % 2 else "malignant") / f"img_{i}.jpg", i)
    return root


def test_data_list() -> None:
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    assert "ham10000" in result.output and "dicom-folder" in result.output


def test_inspect_split_audit(tmp_path: Path) -> None:
    root = _folder(tmp_path / "ds")
    result = runner.invoke(app, ["data", "inspect", "imagefolder", str(root)])
    assert result.exit_code == 0, result.output
    assert "12 images" in result.output and "benign 6, malignant 6" in result.output
    out = tmp_path / "split.json"
    result = runner.invoke(app, ["data", "split", "imagefolder", str(root), "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    m = SplitManifest.load(out)
    assert m.seed == 3 and m.method == "grouped-stratified" and len(m.train + m.val + m.test) == 12
    result = runner.invoke(app, ["data", "audit", "imagefolder", str(root), "--manifest", str(out)])
    assert result.exit_code == 0, result.output
    assert "no leakage found" in result.output
    dedup = tmp_path / "dedup.json"
    result = runner.invoke(app, ["data", "split", "imagefolder", str(root), "--out", str(dedup), "--dedup"])
    assert result.exit_code == 0, result.output
    assert SplitManifest.load(dedup).sources == m.sources


def test_audit_exit_code_on_leak_and_bad_input(tmp_path: Path) -> None:
    root = _folder(tmp_path / "ds")
    write_image(root / "benign" / "img_dup.jpg", 1)  # byte-identical copy of img_1
    out = tmp_path / "split.json"
    runner.invoke(app, ["data", "split", "imagefolder", str(root), "--out", str(out), "--random"])
    m = SplitManifest.load(out)
    sources = [Path(s).name for s in m.sources]
    a, b = sources.index("img_1.jpg"), sources.index("img_dup.jpg")
    m.train = [i for i in m.train if i != b] + ([a] if a not in m.train else [])
    m.test = [i for i in m.test if i != a] + ([b] if b not in m.test else [])
    m.val = [i for i in m.val if i not in (a, b)]
    m.save(out)
    result = runner.invoke(app, ["data", "audit", "imagefolder", str(root), "--manifest", str(out)])
    assert result.exit_code == 1 and "LEAKAGE" in result.output
    result = runner.invoke(app, ["data", "inspect", "ham10000", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "folder not found" in result.output

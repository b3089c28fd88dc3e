"""``medlens predict`` on real images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from medlens.cli.main import app

runner = CliRunner()


def test_predict_json_on_folder_and_file(
    melanoma_bundle: Path, melanoma_images: list[Path], tmp_path: Path
) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for p in melanoma_images[:2]:
        shutil.copy(p, folder / p.name)
    result = runner.invoke(
        app, ["predict", str(folder), str(melanoma_images[3]), "--model", str(melanoma_bundle), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    for row in rows:
        assert {"file", "label", "probabilities", "risk"} <= set(row)
        assert abs(sum(row["probabilities"].values()) - 1) < 1e-6


def test_predict_writes_cam_png(melanoma_bundle: Path, melanoma_images: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cam.png"
    result = runner.invoke(
        app, ["predict", str(melanoma_images[0]), "--model", str(melanoma_bundle), "--cam", str(out)]
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.mode == "RGB" and im.size == (300, 300)
    assert "screening aid" in result.stdout


def test_bad_file_names_the_file(melanoma_bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    result = runner.invoke(app, ["predict", str(bad), "--model", str(melanoma_bundle), "--json"])
    assert result.exit_code != 0
    assert "broken.jpg" in result.output


def test_one_unreadable_file_does_not_discard_the_others(
    melanoma_bundle: Path, melanoma_images: list[Path], tmp_path: Path
) -> None:
    """The good photos are still screened and printed; the bad one has a row saying why; exit 1."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    shutil.copy(melanoma_images[0], folder / "a.jpg")
    (folder / "b.jpg").write_bytes(melanoma_images[1].read_bytes()[:300])  # truncated
    shutil.copy(melanoma_images[2], folder / "c.jpg")
    result = runner.invoke(app, ["predict", str(folder), "--model", str(melanoma_bundle), "--json"])
    assert result.exit_code == 1, result.output
    rows = json.loads(result.stdout)
    assert [Path(r["file"]).name for r in rows] == ["a.jpg", "b.jpg", "c.jpg"]
    assert "label" in rows[0] and "label" in rows[2] and "label" not in rows[1]
    assert "b.jpg" in rows[1]["error"] and "1 of 3 files could not be read" in result.stderr
    text = runner.invoke(app, ["predict", str(folder), "--model", str(melanoma_bundle)])
    assert text.exit_code == 1 and "b.jpg: NOT SCREENED" in text.stdout and "c.jpg: " in text.stdout


def test_lang_reaches_the_rows_written_to_a_file(
    melanoma_bundle: Path, melanoma_images: list[Path], tmp_path: Path
) -> None:
    printed = runner.invoke(
        app, ["predict", str(melanoma_images[0]), "--model", str(melanoma_bundle), "--lang", "ko", "--json"]
    )
    assert printed.exit_code == 0, printed.output
    out = tmp_path / "rows.jsonl"
    result = runner.invoke(
        app,
        [
            "predict",
            str(melanoma_images[0]),
            "--model",
            str(melanoma_bundle),
            "--lang",
            "ko",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text().splitlines()[0])
    expected = json.loads(printed.stdout)[0]
    assert row["risk_label"] == expected["risk_label"] and row["advice"] == expected["advice"]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in row["advice"])  # Hangul, not the English default


def test_missing_card_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["predict", str(tmp_path), "--model", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "no such model card" in result.output


def _write_dicom(path: Path, pixels) -> None:
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"  # CR image storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientID = "CR", "TEST"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = pixels.astype("uint16").tobytes()
    ds.save_as(path, enforce_file_format=True)


def test_predict_reads_dicom_in_folder(melanoma_bundle: Path, shared_data: Path, tmp_path: Path) -> None:
    import numpy as np

    pytest.importorskip("medlens.data.dicom")
    with np.load(shared_data / "pneumoniamnist" / "pneumoniamnist.npz") as z:
        xray = z["test_images"][0].astype("uint16") * 16  # real X-ray, 12-bit range
    _write_dicom(tmp_path / "chest.dcm", xray)
    result = runner.invoke(app, ["predict", str(tmp_path), "--model", str(melanoma_bundle), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [Path(r["file"]).name for r in rows] == ["chest.dcm"]


def test_predict_recursive_screens_subfolders_and_keeps_cam_names_apart(
    melanoma_bundle: Path, melanoma_images: list[Path], tmp_path: Path
) -> None:
    root = tmp_path / "clinic"
    for sub, src in (
        ("a", melanoma_images[0]),
        ("b/deeper", melanoma_images[1]),
        (".hidden", melanoma_images[2]),
    ):
        (root / sub).mkdir(parents=True)
        shutil.copy(src, root / sub / "lesion.jpg")  # the same name in every subfolder
    flat = runner.invoke(app, ["predict", str(root), "--model", str(melanoma_bundle), "--json"])
    assert flat.exit_code != 0 and "--recursive" in flat.output
    cams = tmp_path / "cams"
    result = runner.invoke(
        app, ["predict", str(root), "-r", "--model", str(melanoma_bundle), "--json", "--cam", str(cams)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(Path(r["file"]).relative_to(root).as_posix() for r in rows) == [
        "a/lesion.jpg",
        "b/deeper/lesion.jpg",
    ]
    assert len({r["cam"] for r in rows}) == 2 and all(Path(r["cam"]).is_file() for r in rows)

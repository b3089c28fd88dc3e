"""read_dicom_rgb (windowing, rescale, MONOCHROME1, bytes input) and the dicom-folder adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from data_fixtures import write_csv, write_dicom

from medlens.data import DatasetFormatError, create_dataset
from medlens.data.dicom import read_dicom_rgb

RAMP = np.tile(np.arange(0, 4096, 64, dtype=np.uint16), (8, 1))  # 8 x 64, values 0..4032


def test_minmax_without_window(tmp_path: Path) -> None:
    img = read_dicom_rgb(write_dicom(tmp_path / "a.dcm", RAMP))
    assert img.shape == (8, 64, 3) and img.dtype == np.uint8
    assert img[0, 0].tolist() == [0, 0, 0] and img[0, -1].tolist() == [255, 255, 255]
    assert np.all(np.diff(img[0, :, 0].astype(int)) >= 0)


def test_window_and_rescale(tmp_path: Path) -> None:
    # stored 0..4032 -> HU = stored * 1 - 1024; window centre 0 width 400 -> [-200, 200] HU spans 0..255
    img = read_dicom_rgb(write_dicom(tmp_path / "w.dcm", RAMP, window=(0, 400), slope=1.0, intercept=-1024))
    hu = RAMP[0].astype(float) - 1024
    gray = img[0, :, 0]
    assert np.all(gray[hu <= -200] == 0) and np.all(gray[hu >= 200] == 255)
    mid = (hu > -200) & (hu < 200)
    assert mid.any() and np.all((gray[mid] > 0) & (gray[mid] < 255))
    expected = np.clip((hu - (0 - 0.5)) / (400 - 1) + 0.5, 0, 1) * 255
    assert np.abs(gray.astype(float) - expected).max() <= 1.0


def test_monochrome1_inverted(tmp_path: Path) -> None:
    m2 = read_dicom_rgb(write_dicom(tmp_path / "m2.dcm", RAMP))
    m1 = read_dicom_rgb(write_dicom(tmp_path / "m1.dcm", RAMP, photometric="MONOCHROME1"))
    assert np.array_equal(m1.astype(int), 255 - m2.astype(int))


def test_bytes_input_and_rgb(tmp_path: Path) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    path = write_dicom(tmp_path / "rgb.dcm", rgb)
    assert np.array_equal(read_dicom_rgb(path.read_bytes()), rgb)


def test_malformed_dicom(tmp_path: Path) -> None:
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"this is not dicom at all")
    with pytest.raises(DatasetFormatError, match=r"broken.dcm: not a readable DICOM"):
        read_dicom_rgb(bad)
    with pytest.raises(DatasetFormatError, match=r"<uploaded DICOM>"):
        read_dicom_rgb(b"\x00" * 10)
    good = write_dicom(tmp_path / "trunc.dcm", RAMP).read_bytes()
    with pytest.raises(DatasetFormatError, match=r"upload.dcm"):
        read_dicom_rgb(good[: len(good) - 300], name="upload.dcm")


def test_dicom_folder(tmp_path: Path) -> None:
    write_dicom(tmp_path / "study1" / "img1.dcm", RAMP, patient_id="PAT-A")
    write_dicom(tmp_path / "study1" / "img2.dcm", RAMP[:, ::-1].copy(), patient_id="PAT-A")
    write_dicom(tmp_path / "study2" / "img1.dcm", RAMP, photometric="MONOCHROME1", patient_id="PAT-B")
    write_csv(
        tmp_path / "labels.csv",
        ["filename", "label"],
        [["study1/img1.dcm", "normal"], ["img2.dcm", "pneumonia"], ["study2/img1.dcm", "normal"]],
    )
    ds = create_dataset("dicom-folder", tmp_path, classes=["normal", "pneumonia"])
    assert ds.labels().tolist() == [0, 1, 0]
    assert ds.groups().tolist() == ["PAT-A", "PAT-A", "PAT-B"]
    assert ds.samples[2].load_image()[0, 0].tolist() == [255, 255, 255]
    write_csv(tmp_path / "labels.csv", ["filename", "label"], [["img1.dcm", "normal"]])
    with pytest.raises(DatasetFormatError, match=r"matches several files"):
        create_dataset("dicom-folder", tmp_path)
    write_csv(tmp_path / "labels.csv", ["filename", "label"], [["study1/img1.dcm", "covid"]])
    with pytest.raises(DatasetFormatError, match=r"unknown class 'covid'"):
        create_dataset("dicom-folder", tmp_path, classes=["normal", "pneumonia"])
    write_csv(tmp_path / "labels.csv", ["file", "label"], [["study1/img1.dcm", "normal"]])
    with pytest.raises(DatasetFormatError, match=r"labels.csv: missing column.*filename"):
        create_dataset("dicom-folder", tmp_path)

"""Issue 16 item 4: a chest X-ray uploaded as DICOM end to end — windowed, MONOCHROME1 inverted, every
patient identifier gone before storage, the study date and view shown, lateral views refused, real and
malformed DICOM files from pydicom's own test set answered with 2xx/4xx, never 5xx."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.data.dicom import is_lateral, read_dicom, study_info

from .conftest import stored_files, upload
from .test_pages import login

pydicom = pytest.importorskip("pydicom")

NAME = "HONG^GILDONG"
PATIENT_ID = "PID-778899"
INSTITUTION = "Seoul Test Hospital"


def _real_xray(shared_data: Path) -> np.ndarray:
    files = sorted((shared_data / "chest_xray_kermany224" / "test" / "PNEUMONIA").glob("*.jp*g"))
    if not files:
        pytest.skip("no chest X-ray under chest_xray_kermany224/test/PNEUMONIA")
    with Image.open(files[0]) as im:
        return np.asarray(im.convert("L"))


def _dicom(gray8: np.ndarray, path: Path, view: str = "PA") -> bytes:
    """A real X-ray as a 12-bit MONOCHROME1 CR file with a VOI window and identifying header fields."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = pydicom.uid.ComputedRadiographyImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    # MONOCHROME1: high values are white-on-film dark, so store the inverted 12-bit values
    stored = (4095 - gray8.astype(np.uint16) * 16).astype(np.uint16)
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME1"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    ds.PixelData = stored.tobytes()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = NAME, PATIENT_ID, "19400102"
    ds.InstitutionName, ds.Modality, ds.ViewPosition = INSTITUTION, "CR", view
    ds.StudyDate, ds.BodyPartExamined = "20200315", "CHEST"
    ds.save_as(str(path), enforce_file_format=True)
    return path.read_bytes()


def _post(client, pat, data: bytes, name: str = "study.dcm"):
    return upload(client, pat, data, task="chest-xray", filename=name, ctype="application/dicom")


def test_study_info_keeps_coded_facts_only(tmp_path: Path) -> None:
    gray = np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))
    info = study_info(read_dicom(_dicom(gray, tmp_path / "a.dcm")))
    assert info == {
        "study_date": "2020-03-15",
        "view": "PA",
        "modality": "CR",
        "body_part": "CHEST",
        "photometric": "MONOCHROME1",
        "bits_stored": "12",
    }
    assert not is_lateral(info) and is_lateral({"view": "LL"}) and is_lateral({"view": "lateral"})


def test_dicom_xray_end_to_end(client, make_account, settings, shared_data: Path, tmp_path: Path) -> None:
    gray8 = _real_xray(shared_data)
    data = _dicom(gray8, tmp_path / "study.dcm")
    assert NAME.encode() in data and PATIENT_ID.encode() in data
    pat = make_account()
    r = _post(client, pat, data)
    assert r.status_code == 201, r.text
    body = r.json()
    # what is stored is the windowed, inverted picture: the 8-bit source back, within rounding
    image = client.get(body["image_url"], headers=pat.auth)
    with Image.open(io.BytesIO(image.content)) as im:
        shown = np.asarray(im.convert("L")).astype(int)
    assert shown.shape == gray8.shape and np.abs(shown - gray8.astype(int)).max() <= 2
    # no identifier anywhere: not in the stored files, not in the case record, not on the page
    for path in stored_files(settings):
        blob = path.read_bytes()
        assert NAME.encode() not in blob and PATIENT_ID.encode() not in blob and b"1940" not in blob
    case = client.get(f"/api/v1/cases/{body['id']}", headers=pat.auth).text
    assert NAME not in case and PATIENT_ID not in case and INSTITUTION not in case
    login(client, pat.email)
    page = client.get(f"/cases/{body['id']}?lang=en")
    assert page.status_code == 200
    assert "2020-03-15" in page.text and "PA" in page.text and "DICOM study" in page.text
    assert NAME not in page.text and "HONG" not in page.text and INSTITUTION not in page.text
    assert "focus" not in page.text.lower() and "sharpness" not in page.text.lower()


def test_lateral_view_is_refused_with_advice(client, make_account, settings, shared_data, tmp_path):
    pat = make_account()
    r = _post(client, pat, _dicom(_real_xray(shared_data), tmp_path / "lat.dcm", view="LL"))
    assert r.status_code == 422 and "lateral" in r.json()["detail"].lower()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("CT_small.dcm", {201, 422}),  # a real 16-bit CT slice with a patient name: screened or refused
        ("MR_small.dcm", {201, 422}),
        ("MR_truncated.dcm", {400}),  # pixel data cut short
        ("rtplan.dcm", {400}),  # no pixel data at all
        ("no_meta.dcm", {201, 400, 422}),
    ],
)
def test_pydicom_test_files_never_5xx(client, make_account, settings, name: str, codes: set[int]) -> None:
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name, download=False)
    if path is None:
        pytest.skip(f"pydicom test file {name} not bundled")
    data = Path(str(path)).read_bytes()
    patient = str(pydicom.dcmread(io.BytesIO(data), force=True).get("PatientName", "")).encode()
    pat = make_account()
    r = _post(client, pat, data, name=name)
    assert r.status_code in codes, (r.status_code, r.text)
    assert r.status_code < 500
    for stored in stored_files(settings):
        assert not patient or patient not in stored.read_bytes()
    if r.status_code != 201:
        assert stored_files(settings) == []

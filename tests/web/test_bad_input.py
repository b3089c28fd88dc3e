"""Bad uploads give a 4xx with a message in the user's language and leave nothing behind."""

from __future__ import annotations

import struct
import zlib

import pytest

from .conftest import photo_bytes, stored_files, upload


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width x height`` (a decompression bomb, built in microseconds)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _case_count(client, account) -> int:
    return len(client.get("/api/v1/cases", headers=account.auth).json())


CASES = {
    "not_an_image": (b"hello, I am a text file" * 10, "notes.png", "image/png", 400, "not a JPEG or PNG"),
    "truncated_jpeg": (photo_bytes()[:1500], "cut.jpg", "image/jpeg", 400, "damaged or incomplete"),
    "bomb_png": (png_header_only(30000, 30000), "bomb.png", "image/png", 413, "30000x30000"),
    "wrong_content_type": (photo_bytes(), "photo.jpg", "text/plain", 415, "Unsupported file type"),
    "path_traversal_name": (photo_bytes(), "../../etc/passwd.jpg", "image/jpeg", 400, "file name"),
    "backslash_name": (photo_bytes(), "..\\..\\win.jpg", "image/jpeg", 400, "file name"),
    "empty": (b"", "e.jpg", "image/jpeg", 400, "empty"),
    "dicom_for_skin": (b"\0" * 128 + b"DICM" + b"\0" * 64, "x.dcm", "application/dicom", 415, "chest X-ray"),
    "tiny_image": (photo_bytes(size=(8, 8)), "t.jpg", "image/jpeg", 400, "too small"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_upload_is_rejected_and_nothing_stored(client, make_account, settings, name):
    data, filename, ctype, status, message = CASES[name]
    pat = make_account()
    r = upload(client, pat, data, filename=filename, ctype=ctype)
    assert r.status_code == status, r.text
    assert message in r.json()["detail"]
    assert stored_files(settings) == []
    assert _case_count(client, pat) == 0


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_malformed_dicom_for_chest_xray(client, make_account, settings):
    pat = make_account()
    data = b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00garbage" * 20
    r = upload(client, pat, data, task="chest-xray", filename="bad.dcm", ctype="application/dicom")
    assert r.status_code == 400 and "DICOM" in r.json()["detail"]
    assert stored_files(settings) == []


def test_over_size_limit(client, make_account, settings):
    pat = make_account()
    big = photo_bytes()[:-2] + b"\0" * (settings.max_upload_bytes + 10)
    r = upload(client, pat, big)
    assert r.status_code == 413
    assert stored_files(settings) == [] and _case_count(client, pat) == 0


def test_messages_follow_the_users_language(client, make_account):
    pat = make_account()
    r = client.post(
        "/api/v1/cases",
        data={"task": "melanoma"},
        files={"file": ("x.png", b"not an image at all", "image/png")},
        headers={**pat.auth, "Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"},
    )
    assert r.status_code == 400 and "이미지가 아닙니다" in r.json()["detail"]
    r = client.post(
        "/api/v1/cases?lang=en",
        data={"task": "melanoma"},
        files={"file": ("x.png", b"not an image at all", "image/png")},
        headers=pat.auth,
    )
    assert "not a JPEG or PNG" in r.json()["detail"]


@pytest.mark.parametrize(
    ("field", "value"), [("task", "no-such-task"), ("sex", "robot"), ("age_group", "200")]
)
def test_bad_form_fields(client, make_account, field, value):
    pat = make_account()
    r = upload(client, pat, photo_bytes(), **{field: value})
    assert r.status_code in (400, 404)
    assert r.json()["detail"]


def test_failed_db_write_removes_stored_files(client, make_account, settings, monkeypatch):
    """A failure after the files were written (e.g. DB commit) rolls back and deletes them."""
    from sqlalchemy.orm import Session

    pat = make_account()

    def boom(self):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Session, "commit", boom)
    with pytest.raises(RuntimeError):
        upload(client, pat, photo_bytes())
    monkeypatch.undo()
    assert stored_files(settings) == []
    assert _case_count(client, pat) == 0


def test_oversized_request_refused_before_parsing(client, make_account, settings):
    pat = make_account()
    body = b"x" * (settings.max_upload_bytes + 512 * 1024)
    r = client.post(
        "/api/v1/cases",
        content=body,
        headers={**pat.auth, "Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert r.status_code == 413 and "too large" in r.json()["detail"]

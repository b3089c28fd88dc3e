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


def test_a_chunked_body_over_the_limit_is_a_413_and_nothing_is_stored(client, make_account, settings):
    """Without Content-Length (chunked transfer) the early refusal cannot see the size; the body is counted
    as it arrives and the request ends in a 413 once it passes the limit, before the rest is spooled."""
    pat = make_account()
    head = (
        b'--zzz\r\nContent-Disposition: form-data; name="task"\r\n\r\nmelanoma\r\n'
        b'--zzz\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
    )

    def chunks():
        yield head
        for _ in range(64):  # 16 MiB, far past the 2 MiB limit
            yield b"\xff" * (256 * 1024)
        yield b"\r\n--zzz--\r\n"

    r = client.post(
        "/api/v1/cases",
        content=chunks(),
        headers={**pat.auth, "Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert r.status_code == 413 and "too large (limit 2 MB)" in r.json()["detail"], r.text
    assert not stored_files(settings)
    # a chunked body under the limit is an ordinary upload
    small = photo_bytes()
    body = head + small + b"\r\n--zzz--\r\n"
    r = client.post(
        "/api/v1/cases",
        content=iter([body[:1000], body[1000:]]),
        headers={**pat.auth, "Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert r.status_code == 201, r.text


def test_cookies_are_secure_over_https_and_work_over_plain_http(settings):
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    for base, secure in (("https://medlens.example.org", True), ("http://127.0.0.1:8000", False)):
        with TestClient(create_app(settings), base_url=base) as c:
            r = c.get("/login?lang=en")
            cookies = r.headers.get_list("set-cookie")
            assert cookies and all(("secure" in v.lower()) is secure for v in cookies), cookies


def test_the_middleware_stops_reading_a_chunked_body_past_the_limit():
    """At the ASGI level: the body arrives in 256 KiB messages with no Content-Length; the middleware pulls
    no more than the limit (plus the form overhead) and one message before refusing with a 413."""
    import asyncio

    from starlette.exceptions import HTTPException

    from medlens.web.middleware import REQUEST_OVERHEAD, PreferencesAndHeaders

    chunk, pulled = 256 * 1024, {"n": 0}

    async def app(scope, receive, send):  # reads the whole body, as a form parser does
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        pulled["n"] += 1
        return {"type": "http.request", "body": b"x" * chunk, "more_body": pulled["n"] < 64}

    async def send(message):
        raise AssertionError("no response may start")

    scope = {"type": "http", "method": "POST", "path": "/api/v1/cases", "headers": [], "query_string": b""}
    limit = 1024 * 1024
    middleware = PreferencesAndHeaders(app, max_upload_bytes=limit, default_language="en")
    with pytest.raises(HTTPException) as err:
        asyncio.run(middleware(scope, receive, send))
    assert err.value.status_code == 413
    assert pulled["n"] == (limit + REQUEST_OVERHEAD) // chunk + 1

"""Admin import of a clinic list from CSV: a good file replaces the shown list; a file with bad rows is a
400 listing every bad row (line number + reason) and stores nothing; only admins import."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from medlens.db import ClinicEntry
from medlens.web.services.clinics import parse_clinic_csv

from .test_auth import csrf_of
from .test_pages import check_page, login

GOOD = (
    "name,department,address,lat,lon,phone\n"
    "Gangnam Hair Clinic,hair,서울특별시 강남구 테헤란로 10,37.4990,127.0300,02-555-0101\n"
    '"Mapo Skin, Scalp",피부과;모발,서울특별시 마포구 월드컵로 5,37.5560,126.9100,\n'
    "Suwon Dermatology,dermatology,경기도 수원시 팔달구 1,37.2800,127.0100,+82 31 555 0103\n"
)
BAD = (
    "name,department,address,lat,lon,phone\n"
    "Good One,hair,서울특별시 종로구 1,37.57,126.98,02-1\n"  # line 2: fine
    ",hair,서울특별시 종로구 2,37.57,126.98,\n"  # line 3: no name
    "Far Away,hair,Somewhere,137.5,126.98,\n"  # line 4: latitude out of range
    "Typo,hair,서울 3,37.5,east,\n"  # line 5: longitude not a number
    "Vet,veterinary,서울 4,37.5,127.0,\n"  # line 6: unknown department
    "Short,hair,서울 5\n"  # line 7: too few fields
    "Good One,hair,서울특별시 종로구 1,37.57,126.98,02-1\n"  # line 8: duplicate of line 2
    "Phone,hair,서울 6,37.5,127.0,call me\n"  # line 9: phone has letters
)


def _clinic_names(client) -> list[str]:
    with client.app.state.medlens.session_factory() as db:
        return list(db.scalars(select(ClinicEntry.name).order_by(ClinicEntry.id)))


def _import(client, text: str | bytes, name: str = "clinics.csv"):
    token = csrf_of(client.get("/admin/clinics").text)
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/admin/clinics?lang=en",
        data={"csrf_token": token},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


@pytest.fixture
def admin(client, make_account):
    acc = make_account("admin")
    login(client, acc.email)
    return acc


def test_parse_good_file_with_aliases_quotes_bom_and_comments() -> None:
    text = "# operator's list, 2026-12\n" + GOOD
    clinics, errors = parse_clinic_csv(("\ufeff" + text).encode("utf-8"))
    assert errors == []
    assert [c.name for c in clinics] == ["Gangnam Hair Clinic", "Mapo Skin, Scalp", "Suwon Dermatology"]
    assert clinics[1].departments == ("dermatology", "hair") and clinics[1].phone == ""
    assert clinics[0].lat == pytest.approx(37.499)
    # Excel's Korean encoding reads the same
    assert parse_clinic_csv(text.encode("cp949"))[0] == clinics


def test_parse_reports_every_bad_row_with_its_line() -> None:
    _, errors = parse_clinic_csv(BAD.encode())
    got = {(e.line, e.key) for e in errors}
    assert got == {
        (3, "import.err_required"),
        (4, "import.err_range"),
        (5, "import.err_number"),
        (6, "import.err_department"),
        (7, "import.err_fields"),
        (8, "import.err_duplicate"),
        (9, "import.err_phone"),
    }
    assert next(e for e in errors if e.line == 8).params == {"first": 2}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "import.err_empty"),
        (b"name,department,address,lat,lon,phone\n", "import.err_empty"),
        (b"name,address,lat\nA,B,1\n", "import.err_columns"),
        (b"\xff\xfe\x00\x00\xc3\x28\xa0\xa1" * 4, "import.err_encoding"),
    ],
)
def test_parse_file_level_errors(data: bytes, key: str) -> None:
    clinics, errors = parse_clinic_csv(data)
    assert [e.key for e in errors] == [key] and clinics == []


def test_admin_imports_a_good_file_and_the_map_page_shows_it(client, admin) -> None:
    page = client.get("/admin/clinics?lang=en")
    check_page(page.text)
    assert "bundled sample list" in page.text
    r = _import(client, GOOD)
    assert r.status_code == 303 and r.headers["location"] == "/admin/clinics?imported=3"
    assert _clinic_names(client) == ["Gangnam Hair Clinic", "Mapo Skin, Scalp", "Suwon Dermatology"]
    assert "the imported list, 3 clinics" in client.get("/admin/clinics?lang=en").text

    care = client.get("/care?lang=en")
    assert "SAMPLE DATA" not in care.text and "Gangnam Hair Clinic" in care.text and "춘천" not in care.text
    hair = client.get("/care?department=hair&region=강남").text
    assert "Gangnam Hair Clinic" in hair and "Suwon Dermatology" not in hair and "Mapo" not in hair
    api = client.get("/api/v1/care/clinics?region=마포").json()
    assert api["sample_data"] is False and [c["name"] for c in api["clinics"]] == ["Mapo Skin, Scalp"]

    # a second import replaces the whole list
    assert _import(client, GOOD.splitlines()[0] + "\nOnly,hair,서울 1,37.5,127.0,\n").status_code == 303
    assert _clinic_names(client) == ["Only"]
    # clearing goes back to the bundled SAMPLE list
    token = csrf_of(client.get("/admin/clinics").text)
    r = client.post("/admin/clinics/clear", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and _clinic_names(client) == []
    assert "SAMPLE DATA" in client.get("/care?lang=en").text
    audit = client.get("/admin/audit?lang=en").text
    assert "Clinic list imported" in audit and "Imported clinic list removed" in audit


def test_bad_rows_are_listed_and_nothing_is_stored(client, admin) -> None:
    assert _import(client, GOOD).status_code == 303
    before = _clinic_names(client)
    r = _import(client, BAD)
    assert r.status_code == 400
    check_page(r.text)
    assert "Nothing was imported: 7 problems" in r.text
    for line, words in (
        (3, "name is empty"),
        (4, "lat must be between -90.0 and 90.0"),
        (5, "lon is not a number: east"),
        (6, "unknown department veterinary"),
        (7, "3 fields, expected 6"),
        (8, "same clinic (name and address) as line 2"),
        (9, "phone has characters"),
    ):
        assert f"Line {line}: " in r.text and words in r.text, (line, words)
    assert _clinic_names(client) == before  # the good rows of the bad file were not stored either
    ko = client.post(
        "/admin/clinics?lang=ko",
        data={"csrf_token": csrf_of(client.get("/admin/clinics").text)},
        files={"file": ("bad.csv", BAD.encode(), "text/csv")},
    )
    assert ko.status_code == 400 and "3행: name 값이 비어 있습니다." in ko.text


def test_a_failure_while_storing_leaves_the_old_list(client, admin, monkeypatch) -> None:
    assert _import(client, GOOD).status_code == 303
    before = _clinic_names(client)
    from medlens.web.services import clinics

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(clinics.audit, "record", boom)  # fails after the delete and the inserts
    with pytest.raises(RuntimeError):
        _import(client, GOOD.splitlines()[0] + "\nNew,hair,서울 1,37.5,127.0,\n")
    assert _clinic_names(client) == before


def test_missing_file_or_columns_are_4xx(client, admin) -> None:
    token = csrf_of(client.get("/admin/clinics").text)
    assert client.post("/admin/clinics", data={"csrf_token": token}).status_code == 422
    r = _import(client, "name,address\nA,B\n")
    assert r.status_code == 400 and "Missing columns in the header: lat, lon, department" in r.text
    assert _import(client, b"\x00" * (6 * 1024 * 1024)).status_code in (400, 413)
    assert _clinic_names(client) == []


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_only_admins_import(client, make_account, role: str) -> None:
    acc = make_account(role)
    login(client, acc.email)
    assert client.get("/admin/clinics").status_code == 403
    token = csrf_of(client.get("/account").text)
    r = client.post(
        "/admin/clinics", data={"csrf_token": token}, files={"file": ("c.csv", GOOD.encode(), "text/csv")}
    )
    assert r.status_code == 403
    assert client.post("/admin/clinics/clear", data={"csrf_token": token}).status_code == 403
    assert _clinic_names(client) == []


def test_import_without_the_csrf_token_is_refused(client, admin) -> None:
    r = client.post("/admin/clinics", files={"file": ("c.csv", GOOD.encode(), "text/csv")})
    assert r.status_code == 403 and _clinic_names(client) == []

"""Clinic directory and care catalog (pure functions, no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from medlens.web.services.care import CareDirectory, haversine_km, load_clinics


def test_haversine_known_distance():
    # Seoul City Hall -> Busan City Hall: about 325 km great-circle
    assert haversine_km(37.5663, 126.9779, 35.1798, 129.0750) == pytest.approx(325, abs=5)
    assert haversine_km(10, 10, 10, 10) == 0


def test_operator_replaceable_csv_and_catalog(tmp_path: Path):
    csv_path = tmp_path / "clinics.csv"
    csv_path.write_text(
        "name,region,address,phone,lat,lon,departments\nReal Clinic,Seoul,addr,1,37.5,127.0,dermatology\n"
    )
    cat = tmp_path / "catalog.json"
    cat.write_text(
        '{"tasks": {"melanoma": {"high": [{"kind": "care", "title": {"en": "X", "ko": "X"}, "text": {"en": "Y", "ko": "Y"}}]}}}'
    )
    care = CareDirectory(csv_path, cat)
    assert care.is_sample is False
    assert [c.name for c in care.search(region="seoul")] == ["Real Clinic"]
    assert care.suggestions("melanoma", "high")[0]["title"]["en"] == "X"
    assert care.suggestions("melanoma", "low") == []


def test_bad_clinic_row_names_file_and_row(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,region,address,phone,lat,lon,departments\nA,B,C,D,not-a-number,1,x\n")
    with pytest.raises(ValueError, match=r"bad\.csv: row 2"):
        load_clinics(bad)


def test_sample_directory_is_marked():
    care = CareDirectory()
    assert care.is_sample and all(c.name.startswith("(SAMPLE)") for c in care.clinics)

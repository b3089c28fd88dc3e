"""Data provenance quoted in cards: known folders get their source and licence, unknown ones no machine path."""

from __future__ import annotations

from medlens.data.catalog import data_source


def test_known_folder_gets_its_source_and_licence() -> None:
    info = data_source("/srv/data/scalp_hair_14class", "scalp-hair-14")
    assert "Ramakrishna9-R09" in info["source"]
    assert info["license"].startswith("none stated")


def test_unknown_folder_names_the_folder_not_the_path() -> None:
    info = data_source("/home/alice/private/clinic_photos", "imagefolder")
    assert info["source"] == "imagefolder at clinic_photos"
    assert "/home/alice" not in info["source"]
    assert info["license"].startswith("unknown")

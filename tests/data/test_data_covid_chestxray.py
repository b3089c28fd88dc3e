"""covid-chestxray adapter on a fixture of the ieee8023 metadata.csv layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import write_csv, write_image

from medlens.data import DatasetFormatError, create_dataset
from medlens.data.adapters.covid_chestxray import finding_to_class

HEADER = ["patientid", "offset", "sex", "age", "finding", "RT_PCR_positive", "survival", "intubated",
          "intubation_present", "went_icu", "in_icu", "needed_supplemental_O2", "extubated", "temperature",
          "pO2_saturation", "leukocyte_count", "neutrophil_count", "lymphocyte_count", "view", "modality",
          "date", "location", "folder", "filename", "doi", "url", "license", "clinical_notes", "other_notes"]  # fmt: skip


def _row(
    pid: str, finding: str, view: str, filename: str, modality: str = "X-ray", folder: str = "images"
) -> list:
    values = dict.fromkeys(HEADER, "")
    values.update(patientid=pid, offset="0", sex="M", age="65", finding=finding, RT_PCR_positive="Y", view=view,
                  modality=modality, date="2020", location="Wuhan, China", folder=folder, filename=filename)  # fmt: skip
    return [values[h] for h in HEADER]


ROWS = [
    _row(
        "2",
        "Pneumonia/Viral/COVID-19",
        "PA",
        "auntminnie-a-2020_01_28_23_51_6665_2020_01_28_Vietnam_coronavirus.jpeg",
    ),
    _row("2", "Pneumonia/Viral/COVID-19", "AP Supine", "covid-2.jpg"),
    _row("4", "Pneumonia/Bacterial/Streptococcus", "AP", "strep-1.jpg"),
    _row("5", "No Finding", "PA", "normal-1.png"),
    _row("6", "Tuberculosis", "PA", "tb-1.jpg"),
    _row("7", "Pneumonia/Viral/COVID-19", "L", "lateral-1.jpg"),
    _row("8", "Pneumonia/Viral/COVID-19", "Axial", "ct-1.nii.gz", modality="CT", folder="volumes"),
]


def _repo(root: Path, rows=ROWS) -> Path:
    for i, row in enumerate(rows):
        if row[HEADER.index("folder")] == "images":
            write_image(root / "images" / row[HEADER.index("filename")], i)
    write_csv(root / "metadata.csv", HEADER, rows)
    return root


def test_covid_chestxray(tmp_path: Path) -> None:
    ds = create_dataset("covid-chestxray", _repo(tmp_path))
    assert ds.classes == ["normal", "pneumonia", "covid19"]
    assert ds.labels().tolist() == [2, 2, 1, 0]  # TB, lateral and CT rows left out
    assert ds.groups().tolist() == ["2", "2", "4", "5"]
    assert ds.samples[1].meta.extra["view"] == "AP Supine" and ds.samples[0].meta.sex == "male"


def test_finding_mapping() -> None:
    assert finding_to_class("Pneumonia/Viral/SARS") == "pneumonia"
    assert finding_to_class("Pneumonia/Viral/COVID-19") == "covid19"
    assert finding_to_class("No Finding") == "normal"
    assert finding_to_class("todo") is None


def test_covid_chestxray_errors(tmp_path: Path) -> None:
    root = _repo(tmp_path / "a")
    (root / "images" / "strep-1.jpg").unlink()
    with pytest.raises(DatasetFormatError, match=r"line 4: image .*strep-1.jpg not found"):
        create_dataset("covid-chestxray", root)
    write_csv(tmp_path / "b" / "metadata.csv", ["patientid", "finding"], [["1", "No Finding"]])
    with pytest.raises(DatasetFormatError, match=r"missing column.*view"):
        create_dataset("covid-chestxray", tmp_path / "b")
    with pytest.raises(DatasetFormatError, match=r"no X-ray rows"):
        create_dataset("covid-chestxray", _repo(tmp_path / "c", ROWS[4:]))

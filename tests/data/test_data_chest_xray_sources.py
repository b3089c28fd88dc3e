"""Chest X-ray adapters on the real shared data: Kermany at 224 px and the two COVID-19 sources."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from medlens.data import create_dataset
from medlens.data.adapters.chest_xray_sources import kermany_patient
from medlens.data.adapters.covid_chestxray import finding_to_class
from medlens.data.sources import dataset_of, sources_of


def _split_counts(ds, split: str) -> Counter[tuple[str, str]]:  # type: ignore[no-untyped-def]
    src = sources_of(ds)
    return Counter(
        (dataset_of(str(src[i])), ds.classes[ds.samples[i].label]) for i in ds.predefined_splits[split]
    )


def test_kermany_patient_ids() -> None:
    assert kermany_patient("person1000_bacteria_2931") == "person1000"
    assert kermany_patient("IM-0115-0001") == "IM-0115"
    assert kermany_patient("NORMAL2-IM-0381-0001") == "NORMAL2-IM-0381"
    assert kermany_patient("odd-name") == "odd-name"


def test_findings_named_by_cause_are_other_pneumonia() -> None:
    for finding in ("Streptococcus", "Pneumocystis", "SARS", "Klebsiella", "Mycoplasma Bacterial Pneumonia"):
        assert finding_to_class(finding) == "pneumonia"
    assert finding_to_class("COVID-19, ARDS") == "covid19"
    assert finding_to_class("ARDS") is None and finding_to_class("Tuberculosis") is None


def test_kermany224_keeps_the_official_test_split_and_groups_patients(shared_data: Path) -> None:
    ds = create_dataset("kermany224", shared_data / "chest_xray_kermany224")
    splits = ds.predefined_splits
    assert splits is not None
    test = [ds.samples[i] for i in splits["test"]]
    assert len(test) == 624 and all("/test/" in s.source for s in test)
    assert Counter(ds.classes[s.label] for s in test) == {"pneumonia": 390, "normal": 234}
    train_groups = {ds.samples[i].group_id for i in splits["train"]}
    val_groups = {ds.samples[i].group_id for i in splits["val"]}
    assert not train_groups & val_groups
    assert len(splits["train"]) + len(splits["val"]) == 1341 + 1800
    # a patient's films stay together: e.g. person1000 has a bacterial and a viral film
    persons = [s.group_id for s in ds.samples if s.group_id.endswith(":person1000")]
    assert len(persons) >= 2 and len({p for p in persons}) == 1


def test_covid_sources_split_each_source_and_never_use_pediatric_images(shared_data: Path) -> None:
    ds = create_dataset("covid-xray-sources", shared_data)
    assert ds.classes == ["normal", "pneumonia", "covid19"]
    assert not any("kermany" in s.source for s in ds.samples)
    total = Counter(dataset_of(str(s)) for s in sources_of(ds))
    assert total["radiography"] == 1800
    assert 500 < total["ieee8023"] < 650  # frontal X-rays with a mapped finding
    test = _split_counts(ds, "test")
    assert test[("radiography", "covid19")] > 100 and test[("ieee8023", "pneumonia")] > 0
    groups = {k: {ds.samples[i].group_id for i in v} for k, v in ds.predefined_splits.items()}
    assert not groups["train"] & groups["test"] and not groups["val"] & groups["test"]
    # the lateral views of ieee8023 are left out
    assert not any(s.meta.extra.get("view") == "L" for s in ds.samples if s.meta.extra)


def test_single_source_sets_keep_the_combined_split(shared_data: Path) -> None:
    both = create_dataset("covid-xray-sources", shared_data)
    ieee = create_dataset("covid-xray-ieee8023", shared_data)
    in_both = {both.samples[i].source for i in both.predefined_splits["test"]}
    only = {ieee.samples[i].source for i in ieee.predefined_splits["test"]}
    assert only and only <= in_both
    labels = np.array([s.label for s in ieee.samples])
    assert set(labels.tolist()) == {0, 1, 2}


def test_unknown_source_is_refused(shared_data: Path) -> None:
    from medlens.data.adapters.chest_xray_sources import load_covid_sources

    with pytest.raises(ValueError, match="unknown COVID X-ray source"):
        load_covid_sources(shared_data, ("nope",))


def test_pneumonia_xray_sources_puts_kermany_test_beside_unseen_adult_films(shared_data: Path) -> None:
    """Issue 12's X-ray pair as one normal / pneumonia dataset: Kermany's official test films and the adult
    films (COVID-19 counted as pneumonia) that do not copy a Kermany training film, all in ``test``."""
    from medlens.data.sources import original_classes

    ds = create_dataset("pneumonia-xray-sources", shared_data)
    assert ds.classes == ["normal", "pneumonia"]
    splits = ds.predefined_splits or {}
    assert sorted(splits["test"]) == list(range(len(ds))) and not splits["train"] and not splits["val"]
    datasets = np.array([dataset_of(s) for s in sources_of(ds).tolist()])
    assert set(datasets.tolist()) == {"kermany", "ieee8023", "radiography"}
    assert int((datasets == "kermany").sum()) == 624  # the official test split
    original = original_classes(ds)
    labels = ds.labels()
    assert set(labels[original == "covid19"].tolist()) == {1}  # COVID-19 is a viral pneumonia
    assert set(labels[original == "normal"].tolist()) == {0}
    adult = create_dataset("covid-xray-sources", shared_data)
    left_out = len(adult) - int((datasets != "kermany").sum())
    assert 0 < left_out < 300  # the Radiography normals that copy Kermany training films

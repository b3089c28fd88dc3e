"""The chest X-ray shortcut audit (issue 16) end to end on a small real subset of ieee8023 + COVID-19
Radiography, with a tiny random-init bundle (the audit's numbers on the shipped bundle are in reports/)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from medlens.data.sources import dataset_of, sources_of


@pytest.fixture(scope="module")
def small_covid_set(shared_data: Path):
    from medlens.data import create_dataset

    full = create_dataset("covid-xray-sources", shared_data)
    src = np.array([dataset_of(s) for s in sources_of(full).tolist()])
    labels = full.labels()
    assert full.predefined_splits is not None
    split_of = {i: k for k, idx in full.predefined_splits.items() for i in idx}
    keep: list[int] = []
    for s in ("ieee8023", "radiography"):
        for split in ("train", "test"):
            for c in (0, 2):  # normal, covid19
                pool = [
                    i for i in range(len(full)) if src[i] == s and labels[i] == c and split_of[i] == split
                ]
                keep += pool[: 6 if split == "test" else 10]
    sub = full.subset(keep)
    splits = {k: [j for j, i in enumerate(keep) if split_of[i] == k] for k in ("train", "val", "test")}
    return replace(sub, predefined_splits=splits)


@pytest.fixture(scope="module")
def covid_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from medlens.card import DataInfo, ModelCard, Preprocessing, Thresholds
    from medlens.export import write_bundle
    from medlens.models import create_classifier

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("covid-bundle")
    model = create_classifier("resnet18", num_classes=3).eval()
    card = ModelCard(
        name="covid-audit-test",
        task="chest-xray-covid",
        version="0.0.1",
        backbone="resnet18",
        classes=["normal", "pneumonia", "covid19"],
        preprocessing=Preprocessing(input_size=64),
        thresholds=Thresholds(target_class="covid19", threshold=0.5),
        data=DataInfo(dataset="random-init audit test model"),
    )
    write_bundle(model, out, card, latency_runs=0)
    return out


def test_xray_audit_writes_every_measure(small_covid_set, covid_bundle: Path, tmp_path: Path) -> None:
    from medlens.audit.xray import audit_xray_shortcuts
    from medlens.serving import Predictor

    result = audit_xray_shortcuts(Predictor.from_card(covid_bundle), small_covid_set, tmp_path, n_boot=100)
    assert result["sources"] == ["ieee8023", "radiography"]
    sp = result["source_prediction"]
    assert set(sp) == {"all classes", "covid19 only"}
    for rows in sp.values():
        assert set(rows) == {"imagenet / full", "imagenet / lungcrop", "bundle features / full"}
        for e in rows.values():
            if e.get("auroc") is not None:
                a = e["auroc"]
                assert 0.0 <= a["ci_low"] <= a["value"] <= a["ci_high"] <= 1.0
    assert sp["all classes"]["imagenet / full"]["n"] == len(small_covid_set.predefined_splits["test"])
    for e in result["lung_attention"].values():
        assert 0.0 <= e["cam_on_lungs"] <= 1.0 and 0.0 < e["lung_area"] < 1.0
    loso = result["leave_one_source_out"]
    assert set(loso) == {"full", "lungcrop"} and all(len(v) == 2 for v in loso.values())
    assert {e["train_source"] for e in loso["full"]} == {"ieee8023", "radiography"}
    saved = json.loads((tmp_path / "shortcuts.json").read_text())
    assert saved["source_prediction"]["covid19 only"]["imagenet / full"]["n"] == 12
    report = (tmp_path / "report.md").read_text()
    assert "Leave one source out" in report and "not a diagnosis" in report
    assert (tmp_path / "cam_by_source.png").stat().st_size > 1000
    assert (tmp_path / "lungcrop_examples.png").stat().st_size > 1000

"""Cross-source columns of an experiment table: held-out photos the trial trained on are dropped, the
trial is measured as served, and the reference comparison is paired on the same photos."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from medlens.data.sample import Sample, SampleSet
from medlens.experiments.cross import (
    CrossSourceSpec,
    clean_indices,
    paired_cross_auroc,
    parse_cross_source,
    trial_cross_source,
)
from medlens.experiments.report import write_experiment_report
from medlens.experiments.runner import trial_configs
from medlens.experiments.spec import ExperimentError, load_experiment
from medlens.experiments.trial import run_trial

from .conftest import make_folder, write_experiment


def test_clean_indices_drops_copies_and_their_whole_lesion() -> None:
    held = SampleSet(
        name="h",
        classes=["benign", "malignant"],
        samples=[Sample(f"/h/{i}.png", {"label": i % 2}, f"lesion{i // 2}") for i in range(6)],
    )
    copies = {"/train/a.png": [2], "/train/unseen.png": [5]}
    kept, dropped = clean_indices(held, [0, 1, 2, 3, 4], ["/train/a.png", "/train/b.png"], copies)
    assert kept == [0, 1, 4]  # photo 2 is a copy; photo 3 is the same lesion
    assert dropped == 2


def test_paired_cross_auroc_uses_only_the_photos_both_kept() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    good = np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.1, 300)
    bad = np.where(y == 1, 0.55, 0.45) + rng.normal(0, 0.2, 300)
    idx = np.arange(300)
    d = paired_cross_auroc((idx, y, good), (idx[50:], y[50:], bad[50:]), n_boot=200)
    assert d is not None and d["ci_low"] > 0
    same = paired_cross_auroc((idx, y, good), (idx, y, good), n_boot=100)
    assert same == {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    assert paired_cross_auroc((idx[:10], y[:10], good[:10]), (idx[20:], y[20:], bad[20:])) is None


@pytest.mark.parametrize(
    "raw, message",
    [
        ("oops", "mapping with dataset and data_root"),
        ({"dataset": "x"}, "mapping with dataset and data_root"),
        ({"dataset": "x", "data_root": "y", "split": "holdout"}, "split must be"),
        ({"dataset": "x", "data_root": "y", "bogus": 1}, "unknown key"),
    ],
)
def test_cross_source_block_errors_name_the_problem(raw: object, message: str) -> None:
    with pytest.raises(ExperimentError, match=message):
        parse_cross_source(raw, "exp.yaml")


@pytest.mark.slow
def test_experiment_table_has_cross_source_columns(tiny_folder: Path, tmp_path: Path) -> None:
    held_out = make_folder(tmp_path / "held_out", n_per_class=25, seed=7)
    config = write_experiment(tmp_path / "tiny.yaml", tiny_folder)
    config.write_text(
        config.read_text().replace("  sampler: [none, weighted]\n", "  sampler: [none]\n")
        + f"cross_source: {{dataset: imagefolder, data_root: {held_out}, split: all, label: Other clinic}}\n"
    )
    spec = load_experiment(config)
    out = tmp_path / "exp"
    configs = trial_configs(spec, out, threads=1)
    split = None
    for cfg in configs.values():
        run_trial(cfg)
        split = split or json.loads((Path(cfg["out"]) / "split.json").read_text())
    assert split is not None
    trained_on = split["sources"][split["train"][0]]  # the held-out folder gets a copy of a training photo
    cls = Path(trained_on).parent.name
    shutil.copy(trained_on, held_out / cls / "copy_of_training_photo.png")

    write_experiment_report(spec, out, n_boot=200)
    results = (out / "results.md").read_text()
    assert "Other clinic (cross-source) AUROC" in results and "Δ Other clinic AUROC vs none+none" in results
    for name in ("none+none", "flip+none"):
        cross = json.loads((out / "trials" / name / "cross_source.json").read_text())
        assert cross["n"] == 50 and cross["n_dropped"] == 1  # the copy is not a cross-source photo
        assert 0.0 <= cross["metrics"]["target_auroc"]["value"] <= 1.0
        assert (out / "trials" / name / "bundle" / "card.json").is_file()
    row = next(line for line in results.splitlines() if line.startswith("| flip+none |"))
    assert row.count("[") >= 5  # in-source and cross-source values with intervals, paired Δ
    csv_head = (out / "results.csv").read_text().splitlines()[0]
    assert "cross_target_auroc" in csv_head and "cross_n" in csv_head
    assert (out / "in_vs_cross_auroc.png").stat().st_size > 1000
    assert (out / "bars_cross_target_auroc.png").stat().st_size > 1000
    other = make_folder(tmp_path / "other_classes", n_per_class=5, seed=3)
    (other / "malignant").rename(other / "nevus")  # classes benign / nevus: not the model's
    bad = CrossSourceSpec("imagefolder", str(other), "all")
    with pytest.raises(ValueError, match="classes"):
        trial_cross_source(out / "trials" / "flip+none", bad, out)
    assert "Photos whose copy a trial trained or validated on" in (out / "report.md").read_text()

"""Experiment YAML: grid expansion, explicit trials, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from medlens.experiments.spec import ExperimentError, load_experiment, parse_experiment

BASE = {"name": "x", "task": "melanoma", "base": {"dataset": "imagefolder", "data_root": "d", "epochs": 1}}


def test_grid_is_the_cartesian_product_and_trials_are_appended() -> None:
    spec = parse_experiment(
        {
            **BASE,
            "grid": {"preset": ["none", "C4"], "sampler": ["none", "weighted"]},
            "trials": [{"name": "lite1", "backbone": "tf_efficientnet_lite1"}],
            "reference": "C4+weighted",
        }
    )
    assert [t.name for t in spec.trials] == ["none+none", "none+weighted", "C4+none", "C4+weighted", "lite1"]
    assert spec.config_dict(spec.trial("C4+weighted")) == {
        "task": "melanoma",
        "dataset": "imagefolder",
        "data_root": "d",
        "epochs": 1,
        "preset": "C4",
        "sampler": "weighted",
    }
    assert spec.config_dict(spec.trial("lite1"))["backbone"] == "tf_efficientnet_lite1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grid": {"colour": ["red"]}}, "unknown TrainConfig option"),
        ({"grid": {"preset": []}}, "non-empty list"),
        ({"trials": [{"backbone": "x"}]}, "with a name"),
        ({"trials": [{"name": "a"}, {"name": "a"}]}, "duplicate trial name"),
        ({"trials": [{"name": "a/b"}]}, "letters, digits"),
        ({"trials": [{"name": "a"}], "reference": "b"}, "reference 'b' is not a trial"),
        ({"trials": [{"name": "a", "out": "elsewhere"}]}, "unknown TrainConfig option"),
        ({"base": {"workers": 2}, "trials": [{"name": "a"}]}, "unknown TrainConfig option"),
        ({"trials": [{"name": "a"}], "published": {"figures": {"zz": {"accuracy": 1}}}}, "unknown trial"),
        ({"trials": [{"name": "a"}], "extra": 1}, "unknown key"),
        ({}, "no trials"),
    ],
)
def test_bad_experiments_are_refused_with_the_reason(change: dict, message: str) -> None:
    with pytest.raises(ExperimentError, match=message):
        parse_experiment({**BASE, **change}, "bad.yaml")


def test_load_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="no such experiment file"):
        load_experiment(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(ExperimentError, match="not valid YAML"):
        load_experiment(bad)


def test_shipped_configs_parse() -> None:
    configs = sorted((Path(__file__).parents[2] / "configs" / "experiments").glob("*.yaml"))
    assert configs, "no shipped experiment configs"
    for path in configs:
        spec = load_experiment(path)
        assert spec.reference in {t.name for t in spec.trials}, path

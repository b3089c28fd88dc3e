"""Smoke test on the first 30,000 rows of the real file (skips without ../shared/data)."""

from __future__ import annotations

from medlens.tabular.experiment import make_cohort, run_one
from medlens.tabular.io import DEFAULT_RELATIVE, load_covid
from medlens.tabular.split import covid_split
from medlens.tabular.targets import get_target


def test_real_subset_loads_and_models(shared_data) -> None:
    d = load_covid(shared_data / DEFAULT_RELATIVE, nrows=30_000)
    assert len(d.raw) == 30_000 and d.clean["DEATH"].sum() > 100
    split = covid_split(d.raw, d.clean, seed=0)
    c = make_cohort(d.clean, split, get_target("death-positive"), "all")
    r = run_one(c, "lr", "class_weight", 0.8)
    assert r.val["recall"] >= 0.8 and r.test["auroc"] > 0.8

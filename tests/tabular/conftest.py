"""Synthetic raw COVID rows in the government coding, for fast tabular tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medlens.tabular.io import CovidData
from medlens.tabular.preprocess import preprocess
from medlens.tabular.schema import COLUMNS

YN = ("PNEUMONIA", "DIABETES", "COPD", "ASTHMA", "INMSUPR", "HIPERTENSION", "OTHER_DISEASE",
      "CARDIOVASCULAR", "OBESITY", "RENAL_CHRONIC", "TOBACCO")  # fmt: skip


def make_raw(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Plausible raw rows: death depends on age, pneumonia, diabetes and positivity."""
    sex = rng.choice([1, 2], n)
    age = rng.integers(0, 100, n)
    d: dict[str, np.ndarray] = {
        "USMER": rng.choice([1, 2], n), "MEDICAL_UNIT": rng.integers(1, 14, n), "SEX": sex,
        "PATIENT_TYPE": rng.choice([1, 2], n, p=[0.8, 0.2]), "AGE": age,
    }  # fmt: skip
    for c in YN:
        d[c] = rng.choice([1, 2, 98], n, p=[0.15, 0.84, 0.01])
    d["PNEUMONIA"] = np.where(rng.random(n) < 0.01, 99, d["PNEUMONIA"])
    d["PREGNANT"] = np.where(sex == 2, 97, rng.choice([1, 2, 98], n, p=[0.05, 0.9, 0.05]))
    d["CLASIFFICATION_FINAL"] = rng.integers(1, 8, n)
    hosp = d["PATIENT_TYPE"] == 2
    for c in ("ICU", "INTUBED"):
        d[c] = np.where(hosp, rng.choice([1, 2, 99], n, p=[0.2, 0.75, 0.05]), 97)
    logit = -6 + 0.06 * age + 2.0 * (d["PNEUMONIA"] == 1) + 0.7 * (d["DIABETES"] == 1)
    logit += 1.0 * (d["CLASIFFICATION_FINAL"] <= 3)
    died = rng.random(n) < 1 / (1 + np.exp(-logit))
    day = rng.integers(1, 29, n)
    month = rng.integers(1, 13, n)
    d["DATE_DIED"] = np.where(
        died, [f"{a:02d}/{b:02d}/2020" for a, b in zip(day, month, strict=True)], "9999-99-99"
    )
    df = pd.DataFrame(d)[list(COLUMNS)]
    return pd.concat([df, df.iloc[: n // 5]], ignore_index=True)  # exact duplicates, like the real file


@pytest.fixture(scope="session")
def raw_small() -> pd.DataFrame:
    return make_raw(6000, np.random.default_rng(1))


@pytest.fixture(scope="session")
def covid_small(raw_small: pd.DataFrame) -> CovidData:
    r = raw_small.astype({c: "int16" for c in COLUMNS if c != "DATE_DIED"})
    return CovidData(raw=r, clean=preprocess(r), source="synthetic", seconds=0.0)


@pytest.fixture
def csv_path(tmp_path: Path, raw_small: pd.DataFrame) -> Path:
    p = tmp_path / "covid.csv"
    raw_small.iloc[:300].to_csv(p, index=False)
    return p

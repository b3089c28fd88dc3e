"""Each preprocessing rule of the seed, on hand-made rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medlens.tabular.preprocess import preprocess
from medlens.tabular.schema import COLUMNS


def _rows(**over: list) -> pd.DataFrame:
    n = len(next(iter(over.values())))
    base = {c: [2] * n for c in COLUMNS}
    base |= {"DATE_DIED": ["9999-99-99"] * n, "AGE": [40] * n, "CLASIFFICATION_FINAL": [7] * n,
             "ICU": [97] * n, "INTUBED": [97] * n, "PREGNANT": [97] * n, "MEDICAL_UNIT": [4] * n}  # fmt: skip
    base |= over
    return pd.DataFrame(base)[list(COLUMNS)]


def test_death_from_date_died() -> None:
    c = preprocess(_rows(DATE_DIED=["9999-99-99", "03/05/2020"]))
    assert c["DEATH"].tolist() == [0, 1]


def test_yes_no_and_missing_codes() -> None:
    c = preprocess(_rows(DIABETES=[1, 2, 97, 98, 99]))
    v = c["DIABETES"].to_numpy()
    assert v[0] == 1 and v[1] == 0 and np.isnan(v[2:]).all()


def test_icu_intubed_not_applicable_distinct_from_unknown() -> None:
    c = preprocess(_rows(ICU=[1, 2, 97, 98, 99], INTUBED=[97, 99, 1, 2, 97]))
    icu = c["ICU"].to_numpy()
    assert icu[:3].tolist() == [1, 0, -1] and np.isnan(icu[3:]).all()
    assert c["INTUBED"].tolist()[0] == -1 and np.isnan(c["INTUBED"].to_numpy()[1])
    seed = preprocess(_rows(ICU=[97, 99, 98]), not_applicable=(97, 99))  # the seed's lumping
    assert seed["ICU"].tolist()[:2] == [-1, -1] and np.isnan(seed["ICU"].to_numpy()[2])


def test_classification_final_positive_1_to_3() -> None:
    c = preprocess(_rows(CLASIFFICATION_FINAL=[1, 2, 3, 4, 5, 6, 7]))
    assert c["COVID_POSITIVE"].tolist() == [1, 1, 1, 0, 0, 0, 0]


def test_pregnant_not_applicable_for_men() -> None:
    c = preprocess(_rows(SEX=[1, 1, 2, 2, 1], PREGNANT=[1, 2, 97, 2, 98]))
    p = c["PREGNANT"].to_numpy()
    assert p[:4].tolist() == [1, 0, -1, -1] and np.isnan(p[4])
    assert c["SEX"].tolist() == [1, 1, 0, 0, 1]  # 1 = female


def test_patient_type_and_age() -> None:
    c = preprocess(_rows(PATIENT_TYPE=[1, 2], AGE=[0, 121]))
    assert c["HOSPITALISED"].tolist() == [0, 1]
    assert c["AGE"].tolist() == [0, 121]


def test_keeps_rows_with_missing_values() -> None:
    raw = _rows(PNEUMONIA=[99, 1], OBESITY=[98, 2])
    assert len(preprocess(raw)) == 2

"""The seed's preprocessing (seed 003), made explicit.

* DEATH = 0 when DATE_DIED is '9999-99-99', else 1.
* Yes/no columns: 1 -> 1, 2 -> 0, 98/99 -> missing (NaN).
* ICU and INTUBED: 97 -> -1 "not applicable" (the patient went home, PATIENT_TYPE 1: in this
  file every 97 sits on an outpatient and every 99 on a hospitalised patient), kept distinct
  from unknown (99/98 -> NaN). The seed lumped 97 and 99 into -1; pass ``not_applicable=(97, 99)``
  to reproduce that.
* PREGNANT for male patients -> -1 "not applicable" (the file codes them 97).
* COVID_POSITIVE = 1 for CLASIFFICATION_FINAL 1-3, 0 for 4-7.
* SEX: 1 = female, 2 = male -> FEMALE 1/0 (kept under the name SEX, 1 = female).
* HOSPITALISED = PATIENT_TYPE 2 -> 1, 1 -> 0.

Unlike the seed, rows with a missing value are kept (an unknown comorbidity is not a reason to
drop a patient); the model encoder imputes and adds missing-indicator columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medlens.tabular.schema import SURVIVED

NOT_APPLICABLE = -1
YES_NO_COLUMNS: tuple[str, ...] = (
    "PNEUMONIA", "DIABETES", "COPD", "ASTHMA", "INMSUPR", "HIPERTENSION", "OTHER_DISEASE",
    "CARDIOVASCULAR", "OBESITY", "RENAL_CHRONIC", "TOBACCO",
)  # fmt: skip
CARE_COLUMNS = ("ICU", "INTUBED")


def _yes_no(values: np.ndarray, not_applicable: tuple[int, ...] = ()) -> np.ndarray:
    out = np.full(values.shape, np.nan, dtype=np.float32)
    out[values == 1] = 1.0
    out[values == 2] = 0.0
    if not_applicable:
        out[np.isin(values, not_applicable)] = NOT_APPLICABLE
    return out


def preprocess(raw: pd.DataFrame, not_applicable: tuple[int, ...] = (97,)) -> pd.DataFrame:
    """Validated raw frame -> clean frame (float32 codes 1/0/-1/NaN, AGE int16, targets int8)."""
    out: dict[str, np.ndarray] = {}
    sex = raw["SEX"].to_numpy()
    out["SEX"] = (sex == 1).astype(np.float32)  # 1 = female
    out["AGE"] = raw["AGE"].to_numpy().astype(np.float32)
    preg = _yes_no(raw["PREGNANT"].to_numpy())
    preg[sex == 2] = NOT_APPLICABLE
    out["PREGNANT"] = preg
    for col in YES_NO_COLUMNS:
        out[col] = _yes_no(raw[col].to_numpy())
    for col in CARE_COLUMNS:
        out[col] = _yes_no(raw[col].to_numpy(), not_applicable)
    out["HOSPITALISED"] = (raw["PATIENT_TYPE"].to_numpy() == 2).astype(np.float32)
    out["USMER"] = (raw["USMER"].to_numpy() == 1).astype(np.float32)
    out["MEDICAL_UNIT"] = raw["MEDICAL_UNIT"].to_numpy().astype(np.float32)
    cls = raw["CLASIFFICATION_FINAL"].to_numpy()
    out["COVID_POSITIVE"] = (cls <= 3).astype(np.int8)
    out["DEATH"] = (raw["DATE_DIED"].astype("string").to_numpy() != SURVIVED).astype(np.int8)
    return pd.DataFrame(out, index=raw.index)

"""Turn form / API values or a batch CSV into the clean feature frame a model expects."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medlens.tabular.preprocess import NOT_APPLICABLE, preprocess
from medlens.tabular.schema import AGE_RANGE, COLUMNS, TabularSchemaError, validate_raw

LABELS = {
    "AGE": "Age (years)", "SEX": "Sex", "PREGNANT": "Pregnant", "PNEUMONIA": "Pneumonia",
    "DIABETES": "Diabetes", "COPD": "COPD (chronic lung disease)", "ASTHMA": "Asthma",
    "INMSUPR": "Immunosuppressed", "HIPERTENSION": "Hypertension", "OTHER_DISEASE": "Other disease",
    "CARDIOVASCULAR": "Heart or blood-vessel disease", "OBESITY": "Obesity",
    "RENAL_CHRONIC": "Chronic kidney disease", "TOBACCO": "Smoker", "COVID_POSITIVE": "COVID-19 test positive",
}  # fmt: skip
LABELS_KO = {
    "AGE": "나이(세)", "SEX": "성별", "PREGNANT": "임신", "PNEUMONIA": "폐렴", "DIABETES": "당뇨병",
    "COPD": "만성폐쇄성폐질환(COPD)", "ASTHMA": "천식", "INMSUPR": "면역저하", "HIPERTENSION": "고혈압",
    "OTHER_DISEASE": "기타 질환", "CARDIOVASCULAR": "심혈관 질환", "OBESITY": "비만", "RENAL_CHRONIC": "만성 신장질환",
    "TOBACCO": "흡연", "COVID_POSITIVE": "코로나19 확진",
}  # fmt: skip
_YES = {"yes", "y", "true", "1", "si", "sí"}
_NO = {"no", "n", "false", "0"}
_UNKNOWN = {"unknown", "", "none", "nan", "?"}


PATIENT_FIELDS = ("AGE", "SEX", "PREGNANT")  # the form's "about the patient" group; the rest are conditions
FORM_HINTS = {
    "PREGNANT": ("(ignored for men)", "(남성은 계산에서 제외)")
}  # short (en, ko) notes beside a form field


def feature_schema(features: list[str]) -> list[dict[str, Any]]:
    """Fields for a web form: name, label (en), label_ko, type, allowed values, required, default,
    form group ("patient" or "conditions") and a short hint (en, ko) where one helps."""
    return [
        _field(f)
        | {
            "label_ko": LABELS_KO.get(f, f),
            "group": "patient" if f in PATIENT_FIELDS else "conditions",
            "hint": FORM_HINTS.get(f, ("", ""))[0],
            "hint_ko": FORM_HINTS.get(f, ("", ""))[1],
        }
        for f in features
    ]


def _field(f: str) -> dict[str, Any]:
    label = LABELS.get(f, f)
    if f == "AGE":
        return {"name": f, "label": label, "type": "integer", "min": AGE_RANGE[0], "max": AGE_RANGE[1],
                "required": True}  # fmt: skip
    if f == "SEX":
        return {"name": f, "label": label, "type": "choice", "choices": ["female", "male"], "required": True}
    help_ = "unknown is scored as no"
    if f == "PREGNANT":
        help_ = "Ignored for male patients (not applicable); " + help_
    return {"name": f, "label": label, "type": "choice", "choices": ["yes", "no", "unknown"], "required": False,
            "default": "no", "help": help_}  # fmt: skip


def _yes_no(name: str, v: Any) -> float:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return np.nan
    if isinstance(v, bool):
        return float(v)
    s = str(v).strip().lower()
    if s in _YES:
        return 1.0
    if s in _NO:
        return 0.0
    if s in _UNKNOWN:
        return np.nan
    raise ValueError(f"{name}: expected yes / no / unknown, got {v!r}")


def features_from_dict(values: dict[str, Any], features: list[str]) -> pd.DataFrame:
    """One patient's values -> one-row clean frame. AGE and SEX are required; other fields
    default to unknown; unknown field names are an error (names them)."""
    extra = sorted(set(values) - set(features))
    if extra:
        raise ValueError(f"unknown field(s) {extra}; expected some of {features}")
    row: dict[str, float] = {}
    for f in features:
        v = values.get(f)
        if f == "AGE":
            if v is None or str(v).strip() == "":
                raise ValueError("AGE: required")
            try:
                age = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"AGE: expected a number, got {v!r}") from None
            if not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
                raise ValueError(f"AGE: {age:g} outside {AGE_RANGE[0]}..{AGE_RANGE[1]}")
            row[f] = age
        elif f == "SEX":
            s = str(v).strip().lower() if v is not None else ""
            if s in {"female", "f", "woman"}:
                row[f] = 1.0
            elif s in {"male", "m", "man"}:
                row[f] = 0.0
            else:
                raise ValueError(f"SEX: expected 'female' or 'male', got {v!r}")
        else:
            row[f] = _yes_no(f, v)
    if "PREGNANT" in row and row.get("SEX") == 0.0:
        row["PREGNANT"] = NOT_APPLICABLE
    return pd.DataFrame([row], columns=features).astype(np.float32)


# Placeholder raw codes for columns a scoring CSV may omit (they are not model inputs).
_FILL = {"DATE_DIED": "9999-99-99", "USMER": 2, "MEDICAL_UNIT": 1, "PATIENT_TYPE": 1, "INTUBED": 97,
         "ICU": 97, "CLASIFFICATION_FINAL": 7}  # fmt: skip
_CLEAN_TO_RAW = {"COVID_POSITIVE": "CLASIFFICATION_FINAL"}


def read_scoring_csv(path: Path, features: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A CSV in the government coding with (at least) the model's raw feature columns ->
    (the CSV as read, clean feature frame). Errors name the file, row and column."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise TabularSchemaError(str(path), "no such file") from None
    except IsADirectoryError:
        raise TabularSchemaError(str(path), "is a folder, not a CSV file") from None
    except pd.errors.EmptyDataError:
        raise TabularSchemaError(str(path), "is empty (no header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TabularSchemaError(str(path), f"is not a readable CSV file ({type(exc).__name__})") from None
    needed = sorted(
        {_CLEAN_TO_RAW.get(f, f) for f in features} | ({"SEX"} if "PREGNANT" in features else set())
    )
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise TabularSchemaError(str(path), f"missing column(s) {missing} needed by the model")
    raw = df.copy()
    for c in COLUMNS:
        if c not in raw.columns:
            raw[c] = _FILL.get(c, 2)
    raw = raw[list(COLUMNS)]
    validate_raw(raw, str(path))
    raw = raw.astype({c: "int16" for c in COLUMNS if c != "DATE_DIED"})
    return df, preprocess(raw)[features]

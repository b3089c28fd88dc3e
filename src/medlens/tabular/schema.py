"""Schema of the Mexican government COVID-19 CSV and its validation.

Codes as published with the data set: 1 = yes, 2 = no, 97 = not applicable, 98 = ignored,
99 = not specified; SEX 1 = female, 2 = male; PATIENT_TYPE 1 = returned home, 2 = hospitalised;
CLASIFFICATION_FINAL 1-3 = COVID-19 confirmed, 4-7 = not confirmed / inconclusive;
DATE_DIED dd/mm/yyyy or 9999-99-99 (did not die).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SURVIVED = "9999-99-99"
YES_NO = frozenset({1, 2, 97, 98, 99})

# Allowed raw codes per integer column.
ALLOWED: dict[str, frozenset[int]] = {
    "USMER": frozenset({1, 2}),
    "MEDICAL_UNIT": frozenset(range(1, 14)),
    "SEX": frozenset({1, 2}),
    "PATIENT_TYPE": frozenset({1, 2}),
    "INTUBED": YES_NO,
    "PNEUMONIA": YES_NO,
    "PREGNANT": YES_NO,
    "DIABETES": YES_NO,
    "COPD": YES_NO,
    "ASTHMA": YES_NO,
    "INMSUPR": YES_NO,
    "HIPERTENSION": YES_NO,
    "OTHER_DISEASE": YES_NO,
    "CARDIOVASCULAR": YES_NO,
    "OBESITY": YES_NO,
    "RENAL_CHRONIC": YES_NO,
    "TOBACCO": YES_NO,
    "CLASIFFICATION_FINAL": frozenset(range(1, 8)),
    "ICU": YES_NO,
}
AGE_RANGE = (0, 125)
COLUMNS: tuple[str, ...] = (
    "USMER", "MEDICAL_UNIT", "SEX", "PATIENT_TYPE", "DATE_DIED", "INTUBED", "PNEUMONIA", "AGE",
    "PREGNANT", "DIABETES", "COPD", "ASTHMA", "INMSUPR", "HIPERTENSION", "OTHER_DISEASE",
    "CARDIOVASCULAR", "OBESITY", "RENAL_CHRONIC", "TOBACCO", "CLASIFFICATION_FINAL", "ICU",
)  # fmt: skip
INT_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c != "DATE_DIED")


class TabularSchemaError(ValueError):
    """A tabular file that does not follow the expected schema; names the file, row and column."""

    def __init__(self, source: str, problem: str, row: int | None = None, column: str | None = None):
        self.source, self.problem, self.row, self.column = source, problem, row, column
        where = "".join([f", row {row}" if row is not None else "", f", column {column}" if column else ""])
        super().__init__(f"{source}{where}: {problem}")


@dataclass(frozen=True)
class _Bad:
    row: int
    value: object


def _first_bad(mask: np.ndarray, values: pd.Series) -> _Bad:
    i = int(np.flatnonzero(mask)[0])
    v = values.iloc[i]
    return _Bad(row=i + 2, value=v.item() if isinstance(v, np.generic) else v)  # +1 header line, +1 one-based


def validate_raw(df: pd.DataFrame, source: str = "<dataframe>") -> None:
    """Check columns, integer codes, AGE range and DATE_DIED format. Rows are reported as file
    line numbers (header = line 1). Raises :class:`TabularSchemaError` on the first problem."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise TabularSchemaError(source, f"missing column(s) {missing}; expected {list(COLUMNS)}")
    if len(df) == 0:
        raise TabularSchemaError(source, "no data rows")
    for col in INT_COLUMNS:
        s = df[col]
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna().to_numpy() | (num.to_numpy(dtype=float) % 1 != 0)
        if bad.any():
            b = _first_bad(bad, s)
            raise TabularSchemaError(source, f"non-integer value {b.value!r}", row=b.row, column=col)
        v = num.to_numpy(dtype=np.int64)
        if col == "AGE":
            bad = (v < AGE_RANGE[0]) | (v > AGE_RANGE[1])
            allowed = f"{AGE_RANGE[0]}..{AGE_RANGE[1]}"
        else:
            codes = np.fromiter(ALLOWED[col], dtype=np.int64)
            bad = ~np.isin(v, codes)
            allowed = str(sorted(ALLOWED[col]))
        if bad.any():
            b = _first_bad(bad, s)
            raise TabularSchemaError(
                source, f"out-of-range code {b.value!r} (allowed {allowed})", row=b.row, column=col
            )
    dates = df["DATE_DIED"].astype("string")
    died = (dates != SURVIVED).fillna(True).to_numpy()
    parsed = pd.to_datetime(dates.where(died), format="%d/%m/%Y", errors="coerce")
    bad = died & parsed.isna().to_numpy()
    if bad.any():
        b = _first_bad(bad, dates)
        raise TabularSchemaError(
            source, f"bad date {b.value!r} (expected dd/mm/yyyy or {SURVIVED})", row=b.row, column="DATE_DIED"
        )

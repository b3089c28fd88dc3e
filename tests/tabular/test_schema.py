"""Schema validation: every problem names the file, the row (file line) and the column."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from medlens.tabular.io import load_covid, read_raw
from medlens.tabular.schema import TabularSchemaError, validate_raw


def _write(tmp_path: Path, df: pd.DataFrame) -> Path:
    p = tmp_path / "bad.csv"
    df.to_csv(p, index=False)
    return p


def test_valid_csv_and_zip_load_the_same(tmp_path: Path, csv_path: Path) -> None:
    z = tmp_path / "covid.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(csv_path, "Covid Data.csv")
    a, b = load_covid(csv_path), load_covid(z)
    assert len(a.raw) == 300
    pd.testing.assert_frame_equal(a.clean, b.clean)
    assert str(a.raw["AGE"].dtype) == "int16"


def test_missing_column(tmp_path: Path, raw_small: pd.DataFrame) -> None:
    p = _write(tmp_path, raw_small.iloc[:10].drop(columns=["ICU"]))
    with pytest.raises(TabularSchemaError, match=r"bad\.csv: missing column\(s\) \['ICU'\]"):
        load_covid(p)


def test_out_of_range_code_names_row_and_column(tmp_path: Path, raw_small: pd.DataFrame) -> None:
    df = raw_small.iloc[:10].copy()
    df.loc[4, "DIABETES"] = 3
    with pytest.raises(TabularSchemaError) as e:
        load_covid(_write(tmp_path, df))
    assert e.value.row == 6 and e.value.column == "DIABETES"  # line 6 = header + 5th data row
    assert "bad.csv, row 6, column DIABETES: out-of-range code 3" in str(e.value)


def test_age_out_of_range(raw_small: pd.DataFrame) -> None:
    df = raw_small.iloc[:5].copy()
    df.loc[0, "AGE"] = 200
    with pytest.raises(TabularSchemaError, match="row 2, column AGE: out-of-range code 200"):
        validate_raw(df, "x.csv")


def test_non_integer_value(tmp_path: Path, raw_small: pd.DataFrame) -> None:
    df = raw_small.iloc[:10].astype({"OBESITY": str})
    df.loc[7, "OBESITY"] = "yes"
    with pytest.raises(TabularSchemaError, match="row 9, column OBESITY: non-integer value 'yes'"):
        load_covid(_write(tmp_path, df))


def test_bad_date(tmp_path: Path, raw_small: pd.DataFrame) -> None:
    df = raw_small.iloc[:10].copy()
    df.loc[2, "DATE_DIED"] = "31/02/2020"
    with pytest.raises(TabularSchemaError, match=r"row 4, column DATE_DIED: bad date '31/02/2020'"):
        load_covid(_write(tmp_path, df))


def test_missing_file_and_zip_without_csv(tmp_path: Path) -> None:
    with pytest.raises(TabularSchemaError, match="no such file"):
        read_raw(tmp_path / "nope.csv")
    z = tmp_path / "empty.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(TabularSchemaError, match="exactly one CSV"):
        read_raw(z)


def test_empty_file(raw_small: pd.DataFrame) -> None:
    with pytest.raises(TabularSchemaError, match="no data rows"):
        validate_raw(raw_small.iloc[:0], "e.csv")

"""Read the COVID-19 CSV (plain or inside a zip) fast, validate it and preprocess it."""

from __future__ import annotations

import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from medlens.tabular.preprocess import preprocess
from medlens.tabular.schema import COLUMNS, INT_COLUMNS, TabularSchemaError, validate_raw

log = logging.getLogger(__name__)
DEFAULT_RELATIVE = Path("covid_mexico") / "Covid Data.zip"
DATA_SOURCE = "Mexican Government COVID-19 open data (Kaggle meirnizri/covid19-dataset)"
DATA_LICENSE = "Mexican open government data"


@dataclass
class CovidData:
    raw: pd.DataFrame  # validated raw codes (int16 / string), one row per file row
    clean: pd.DataFrame  # preprocess(raw)
    source: str
    seconds: float  # read + validate + preprocess wall time


def default_covid_path() -> Path:
    import os

    from medlens.config import default_data_root

    root = Path(os.environ.get("MEDLENS_DATA_ROOT") or default_data_root())
    return root / DEFAULT_RELATIVE


def read_raw(path: Path, nrows: int | None = None) -> pd.DataFrame:
    """CSV or zip with one CSV -> raw frame. Tries the typed pyarrow reader first; falls back to
    a lenient read (all strings) so that validation can name the bad row and column."""
    path = Path(path)
    if not path.exists():
        raise TabularSchemaError(str(path), "no such file")

    def _open():
        if path.suffix.lower() == ".zip":
            zf = zipfile.ZipFile(path)
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                raise TabularSchemaError(str(path), f"expected exactly one CSV in the zip, found {names}")
            return zf.open(names[0])
        return open(path, "rb")

    with _open() as f:
        header = f.readline().decode("utf-8-sig").strip().split(",")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise TabularSchemaError(str(path), f"missing column(s) {missing}; expected {list(COLUMNS)}")
    dtypes = {c: "int16" for c in INT_COLUMNS} | {"DATE_DIED": "string"}
    try:
        with _open() as f:
            if nrows is not None:  # the pyarrow engine has no nrows
                return pd.read_csv(f, dtype=dtypes, usecols=list(COLUMNS), nrows=nrows, keep_default_na=False)
            return pd.read_csv(f, engine="pyarrow", dtype=dtypes, usecols=list(COLUMNS))
    except (ValueError, TypeError) as exc:  # non-integer somewhere: reread as text for a precise error
        log.debug("typed read failed (%s); rereading as text", exc)
        with _open() as f:
            return pd.read_csv(f, dtype=str, usecols=list(COLUMNS), keep_default_na=False, nrows=nrows)


def load_covid(
    path: Path | None = None, not_applicable: tuple[int, ...] = (97,), nrows: int | None = None
) -> CovidData:
    """Read, validate (:class:`TabularSchemaError` naming row and column) and preprocess."""
    path = Path(path) if path is not None else default_covid_path()
    t0 = time.perf_counter()
    raw = read_raw(path, nrows)
    validate_raw(raw, str(path))
    if any(raw[c].dtype != "int16" for c in INT_COLUMNS):
        raw = raw.astype({c: "int16" for c in INT_COLUMNS})
    clean = preprocess(raw, not_applicable=not_applicable)
    secs = time.perf_counter() - t0
    log.info("loaded %s: %d rows in %.2f s", path, len(raw), secs)
    return CovidData(raw=raw, clean=clean, source=str(path), seconds=secs)

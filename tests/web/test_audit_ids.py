"""A read of many cases is audited with every id: a long clinician queue once lost its later ids when the
one detail row was cut at the column's length."""

from __future__ import annotations

import re

from medlens.db import AuditLog
from medlens.web.services import audit


class _Rows:
    def __init__(self) -> None:
        self.rows: list[AuditLog] = []

    def add(self, row: AuditLog) -> None:
        self.rows.append(row)


def _ids_of(rows: list[AuditLog]) -> list[int]:
    return [int(x) for r in rows for x in re.search(r"ids=([\d,]*)$", r.detail).group(1).split(",") if x]


def test_every_id_is_recorded_in_rows_that_fit_the_column() -> None:
    ids = list(range(1_000_000, 1_000_300))  # 300 seven-digit ids: ~2,400 characters
    db = _Rows()
    audit.record_ids(db, None, "queue", ids, prefix="clinic")  # type: ignore[arg-type]
    assert len(db.rows) > 1
    assert all(len(r.detail) <= audit.MAX_DETAIL for r in db.rows)
    assert _ids_of(db.rows) == ids
    assert all(r.detail.startswith("clinic n=300 part=") for r in db.rows)
    assert db.rows[-1].detail.startswith(f"clinic n=300 part={len(db.rows)}/{len(db.rows)} ")


def test_ids_of_every_length_fit_exactly() -> None:
    for ids in ([7] * 1000, list(range(1, 2000)), [2**31 - 1] * 700):
        db = _Rows()
        audit.record_ids(db, None, "queue", ids, case_id=1, prefix="lesion=12")  # type: ignore[arg-type]
        assert all(len(r.detail) <= audit.MAX_DETAIL for r in db.rows)
        assert _ids_of(db.rows) == ids


def test_a_short_list_is_one_row_and_an_empty_one_still_says_so() -> None:
    db = _Rows()
    audit.record_ids(db, None, "list", [3, 5, 8], case_id=2)  # type: ignore[arg-type]
    assert [(r.action, r.case_id, r.detail) for r in db.rows] == [("list", 2, "n=3 ids=3,5,8")]
    db = _Rows()
    audit.record_ids(db, None, "list", [])  # type: ignore[arg-type]
    assert [r.detail for r in db.rows] == ["n=0 ids="]

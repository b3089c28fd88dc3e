"""Alembic migrations shipped in the package: upgrade on an empty DB, tables exist, downgrade works."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from medlens.db import Base, downgrade, make_engine, upgrade_to_head

TABLES = {"users", "cases", "replies", "audit_log", "auth_sessions", "login_throttle"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_and_downgrade_on_empty_sqlite(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/sub/dir/m.db"
    upgrade_to_head(url)
    assert _tables(url) >= TABLES
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        cols = {c["name"] for c in inspect(conn).get_columns("cases")}
    engine.dispose()
    assert {
        "image_sha256",
        "prediction",
        "model_name",
        "model_version",
        "risk",
        "status",
        "feedback_label",
    } <= cols
    downgrade(url, "base")
    assert not (TABLES & _tables(url))
    upgrade_to_head(url)  # and back up again
    assert _tables(url) >= TABLES


def test_migration_matches_the_orm_tables(tmp_path: Path):
    """Every ORM column exists in the migrated schema (catches a forgotten migration)."""
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade_to_head(url)
    engine = make_engine(url)
    insp = inspect(engine)
    for table in Base.metadata.sorted_tables:
        migrated = {c["name"] for c in insp.get_columns(table.name)}
        assert {c.name for c in table.columns} == migrated, table.name
    engine.dispose()


@pytest.mark.skipif(
    not os.environ.get("MEDLENS_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="MEDLENS_TEST_DATABASE_URL does not point at PostgreSQL",
)
@pytest.mark.postgres
def test_downgrade_and_upgrade_on_postgres(db_url: str):
    downgrade(db_url, "base")
    assert not (TABLES & _tables(db_url))
    upgrade_to_head(db_url)
    assert _tables(db_url) >= TABLES


def test_consent_columns_come_and_go_with_revision_0006(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/c.db"

    def user_columns() -> set[str]:
        engine = make_engine(url)
        try:
            return {c["name"] for c in inspect(engine).get_columns("users")}
        finally:
            engine.dispose()

    upgrade_to_head(url)
    assert {"consent_at", "consent_version"} <= user_columns()
    downgrade(url, "0005")
    assert not {"consent_at", "consent_version"} & user_columns()
    assert "email" in user_columns()  # the table itself survives the downgrade
    upgrade_to_head(url)
    assert {"consent_at", "consent_version"} <= user_columns()


def test_products_and_clinics_tables_come_and_go_with_revision_0007(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/p.db"
    new = {"care_products", "clinics"}
    upgrade_to_head(url)
    assert new <= _tables(url)
    engine = make_engine(url)
    cols = {c["name"] for c in inspect(engine).get_columns("care_products")}
    engine.dispose()
    assert {"name", "brand", "tags", "url"} <= cols
    downgrade(url, "0006")
    assert not new & _tables(url)
    assert "users" in _tables(url)  # the older tables survive
    upgrade_to_head(url)
    assert new <= _tables(url)


def test_lesions_come_and_go_with_revision_0009_keeping_replies_and_notices(tmp_path: Path):
    """0009 adds ``lesions`` and ``cases.lesion_id`` without copying ``cases`` (a copy drops the table, and
    with SQLite's foreign keys on that would delete the replies and notices cascading from it)."""
    from sqlalchemy import text

    from medlens.db.migrate import alembic_config

    url = f"sqlite:///{tmp_path}/l.db"
    command.upgrade(alembic_config(url), "0008")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, active, language, created_at) "
                "VALUES (1, 'p@example.org', 'P', 'x', 'patient', 1, '', '2026-12-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, owner_id, task, sex, age_group, body_site, symptom_onset, image_sha256, "
                "prediction, predicted_label, model_name, model_version, risk, uncertainty, status, "
                "created_at, updated_at) VALUES (1, 1, 'melanoma', 'unknown', 'unknown', 'back', 'unknown', "
                "'abc', '{}', 'benign', 'm', '1', 'low', 0.1, 'answered', '2026-12-01', '2026-12-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO replies (case_id, author_id, body, created_at) VALUES (1, 1, 'ok', '2026-12-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO notices (user_id, case_id, kind, params, created_at) VALUES (1, 1, 'reply', '{}', '2026-12-01')"
            )
        )
    engine.dispose()

    def state() -> tuple[set[str], set[str], list[int]]:
        engine = make_engine(url)
        try:
            insp = inspect(engine)
            with engine.connect() as conn:
                counts = [
                    conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("cases", "replies", "notices")
                ]
            return set(insp.get_table_names()), {c["name"] for c in insp.get_columns("cases")}, counts
        finally:
            engine.dispose()

    upgrade_to_head(url)
    tables, cols, counts = state()
    assert "lesions" in tables and "lesion_id" in cols and counts == [1, 1, 1]
    downgrade(url, "0008")
    tables, cols, counts = state()
    assert "lesions" not in tables and "lesion_id" not in cols and counts == [1, 1, 1]
    downgrade(url, "0007")  # 0008 goes too: its notices with it, but the cases and their replies stay
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        assert "notices" not in insp.get_table_names()
        assert "patient_note" not in {c["name"] for c in insp.get_columns("cases")}
        with engine.connect() as conn:
            assert [
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("cases", "replies")
            ] == [1, 1]
    finally:
        engine.dispose()
    upgrade_to_head(url)
    assert "lesions" in state()[0]


def test_model_versions_table_comes_and_goes_with_revision_0010(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/r.db"
    upgrade_to_head(url)
    assert "model_versions" in _tables(url)
    engine = make_engine(url)
    insp = inspect(engine)
    cols = {c["name"] for c in insp.get_columns("model_versions")}
    unique = [i for i in insp.get_indexes("model_versions") if i["unique"]]
    engine.dispose()
    assert {
        "model",
        "version",
        "status",
        "bundle_dir",
        "weights_sha256",
        "comparison",
        "previous_version",
    } <= cols
    assert [i["column_names"] for i in unique] == [["model", "version"]]
    downgrade(url, "0009")
    assert "model_versions" not in _tables(url)
    assert {"notices", "cases", "lesions"} <= _tables(url)  # the older tables survive
    upgrade_to_head(url)
    assert "model_versions" in _tables(url)


def test_job_runs_table_comes_and_goes_with_revision_0011(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/j.db"
    upgrade_to_head(url)
    engine = make_engine(url)
    cols = {c["name"] for c in inspect(engine).get_columns("job_runs")}
    engine.dispose()
    assert cols == {"name", "last_run", "last_result"}
    downgrade(url, "0010")
    assert "job_runs" not in _tables(url) and "model_versions" in _tables(url)
    upgrade_to_head(url)
    assert "job_runs" in _tables(url)

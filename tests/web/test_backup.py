"""Issue 11: ``medlens db backup`` / ``restore`` (SQLite online backup API, pg_dump on PostgreSQL)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from medlens.cli.main import app as cli
from medlens.db import make_engine, upgrade_to_head
from medlens.db.backup import BackupError, backup, restore


def _emails(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT email FROM users ORDER BY email"))]
    finally:
        engine.dispose()


def _add_user(url: str, email: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, active, language, created_at) "
                "VALUES (:e, '', 'x', 'patient', true, '', CURRENT_TIMESTAMP)"
            ),
            {"e": email},
        )
    engine.dispose()


def test_sqlite_backup_while_open_then_restore(tmp_path: Path, monkeypatch):
    from medlens.config import get_settings

    url = f"sqlite:///{tmp_path}/live.db"
    upgrade_to_head(url)
    _add_user(url, "kept@example.org")
    holder = make_engine(url)  # a live connection with WAL, as the server would hold
    with holder.connect() as conn:
        conn.execute(text("SELECT 1"))
        monkeypatch.setenv("MEDLENS_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            runner = CliRunner()
            out = tmp_path / "b" / "medlens.backup"
            r = runner.invoke(cli, ["db", "backup", str(out)])
            assert r.exit_code == 0, r.output
            assert runner.invoke(cli, ["db", "backup", str(out)]).exit_code == 1  # never overwrites
            _add_user(url, "later@example.org")
            assert _emails(url) == ["kept@example.org", "later@example.org"]
            assert runner.invoke(cli, ["db", "restore", str(out)]).exit_code == 2  # needs --yes
            r = runner.invoke(cli, ["db", "restore", str(out), "--yes"])
            assert r.exit_code == 0, r.output
        finally:
            get_settings.cache_clear()
    holder.dispose()
    assert _emails(url) == ["kept@example.org"]


def test_restore_refuses_a_non_backup(tmp_path: Path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(BackupError, match="not an SQLite backup"):
        restore(f"sqlite:///{tmp_path}/x.db", junk)


@pytest.mark.skipif(
    not os.environ.get("MEDLENS_TEST_DATABASE_URL", "").startswith("postgresql")
    or shutil.which("pg_dump") is None,
    reason="needs MEDLENS_TEST_DATABASE_URL on PostgreSQL and pg_dump",
)
def test_postgres_backup_and_restore(db_url: str, tmp_path: Path):
    _add_user(db_url, "pg-kept@example.org")
    out = backup(db_url, tmp_path / "pg.dump")
    _add_user(db_url, "pg-later@example.org")
    restore(db_url, out)
    emails = _emails(db_url)
    assert "pg-kept@example.org" in emails and "pg-later@example.org" not in emails

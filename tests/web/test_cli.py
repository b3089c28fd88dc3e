"""CLI: ``medlens db upgrade`` and ``medlens admin create-user`` on a fresh SQLite database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from medlens.cli.main import app


def test_db_upgrade_and_create_admin(tmp_path: Path, monkeypatch):
    from medlens.config import get_settings

    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("MEDLENS_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["db", "upgrade"])
        assert r.exit_code == 0, r.output
        r = runner.invoke(
            app,
            [
                "admin",
                "create-user",
                "--email",
                "root@example.org",
                "--password",
                "s3cret-pass",
                "--role",
                "admin",
            ],
        )
        assert r.exit_code == 0, r.output
        assert "created admin root@example.org" in r.output
        r = runner.invoke(
            app, ["admin", "create-user", "--email", "root@example.org", "--password", "s3cret-pass"]
        )
        assert r.exit_code == 1 and "already exists" in r.output
    finally:
        get_settings.cache_clear()
    from medlens.db import User, make_engine, make_session_factory

    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        assert db.query(User).one().role == "admin"
    engine.dispose()


def test_serve_help_lists_options():
    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--models-dir" in r.output and "--port" in r.output

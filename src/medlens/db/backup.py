"""Database backup and restore: SQLite through its online backup API (consistent while the server runs,
WAL included), PostgreSQL through ``pg_dump`` / ``pg_restore`` (custom format).

The uploaded images are files beside the database (``<data dir>/uploads``, content-addressed and never
rewritten): copy that folder too (e.g. ``rsync -a``); a restored database may point at files made later.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from medlens.db.session import _sqlite_file


class BackupError(RuntimeError):
    """The backup or restore could not be made (message says why)."""


def _libpq_url(database_url: str) -> str:
    """``postgresql+psycopg://…`` as the plain ``postgresql://…`` that libpq tools understand."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_copy(src: Path, dst: Path) -> None:
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True) if src.exists() else None
    if source is None:
        raise BackupError(f"{src}: no such database")
    target = sqlite3.connect(dst)
    try:
        with target:
            source.backup(target)  # page by page, consistent snapshot, other connections keep working
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"{dst}: integrity check failed after copy: {check}")
    finally:
        target.close()
        source.close()


def _run(cmd: list[str]) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{cmd[0]} not found (install the PostgreSQL client tools)")
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {result.stderr.strip()[-2000:]}")


def backup(database_url: str, out: Path) -> Path:
    """Write a backup of ``database_url`` to ``out`` (refuses to overwrite); returns ``out``."""
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} exists; choose a new file")
    out.parent.mkdir(parents=True, exist_ok=True)
    path = _sqlite_file(database_url)
    if path is not None:
        tmp = out.with_name(out.name + ".partial")
        try:
            _sqlite_copy(path, tmp)
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
        return out
    if database_url.startswith("postgresql"):
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={out}", _libpq_url(database_url)])
        return out
    raise BackupError(f"backup supports SQLite files and PostgreSQL, not {database_url.split(':', 1)[0]}")


def restore(database_url: str, backup_file: Path) -> None:
    """Replace the contents of ``database_url`` with ``backup_file`` (stop the server first)."""
    backup_file = Path(backup_file)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such backup")
    path = _sqlite_file(database_url)
    if path is not None:
        with open(backup_file, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{backup_file} is not an SQLite backup")
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(backup_file, path)  # through the backup API: the live WAL is reset consistently
        return
    if database_url.startswith("postgresql"):
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(database_url)}",
                str(backup_file),
            ]
        )
        return
    raise BackupError(f"restore supports SQLite files and PostgreSQL, not {database_url.split(':', 1)[0]}")

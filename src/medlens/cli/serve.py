"""medlens CLI: ``serve`` (migrate then uvicorn), ``db upgrade|backup|restore|purge-expired``,
``admin create-user``."""

from __future__ import annotations

from pathlib import Path

import typer

db_app = typer.Typer(
    help="Database schema (Alembic migrations shipped in the package).", no_args_is_help=True
)
admin_app = typer.Typer(help="Administration: accounts.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback by default)."),
    port: int = typer.Option(8000, help="TCP port."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Folder of <model>/card.json bundles."),
    workers: int = typer.Option(
        1, min=1, max=64, help="Worker processes (e.g. one per core); they share only the database and files."
    ),
    access_log: bool = typer.Option(True, help="Log every request (off when a reverse proxy logs them)."),
    dev: bool = typer.Option(
        False,
        "--dev",
        help="Development mode: accept a known or short MEDLENS_SECRET_KEY (never in production).",
    ),
    opencv_threads: int = typer.Option(
        0,
        help="OpenCV threads: 0 runs it in the calling thread (default, see benchmarks/load.py); -1 its own default.",
    ),
) -> None:
    """Run migrations, then the web service (patients, clinicians, admins)."""
    import os

    import uvicorn

    from medlens.config import get_settings
    from medlens.db import upgrade_to_head
    from medlens.web.secret_key import InsecureSecretKey, resolve_secret_key
    from medlens.web.server import OPENCV_THREADS_ENV

    # the workers build their settings from the environment: pass the command line's choices on
    if models_dir is not None:
        os.environ["MEDLENS_MODELS_DIR"] = str(models_dir)
    if dev:
        os.environ["MEDLENS_DEV"] = "1"
    os.environ[OPENCV_THREADS_ENV] = str(opencv_threads)
    get_settings.cache_clear()
    settings = get_settings()
    try:  # refuse a known/short key before anything else starts; makes the key file once for all workers
        resolve_secret_key(settings.secret_key, settings.data_dir, dev=settings.dev)
    except InsecureSecretKey as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    upgrade_to_head(settings.database_url)
    typer.echo(
        f"medlens: serving on http://{host}:{port} with {workers} worker(s) (models from {settings.models_dir})"
    )
    uvicorn.run(
        "medlens.web.server:server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Create or upgrade the database schema (MEDLENS_DATABASE_URL)."""
    from alembic import command

    from medlens.config import get_settings
    from medlens.db.migrate import alembic_config, upgrade_to_head

    url = get_settings().database_url
    if revision == "head":
        upgrade_to_head(url)
    else:
        command.upgrade(alembic_config(url), revision)
    typer.echo(f"database at {revision}: {url.split('@')[-1]}")


@db_app.command("backup")
def db_backup(out: Path = typer.Argument(..., help="Backup file to write (must not exist).")) -> None:
    """Back up the database: SQLite online backup API (safe while serving), or pg_dump for PostgreSQL."""
    from medlens.config import get_settings
    from medlens.db.backup import BackupError, backup

    try:
        backup(get_settings().database_url, out)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backup written: {out} ({out.stat().st_size} bytes); copy <data dir>/uploads as well")


@db_app.command("restore")
def db_restore(
    backup_file: Path = typer.Argument(..., help="A file made by `medlens db backup`."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: replaces the current database contents."),
) -> None:
    """Restore the database from a backup (stop the server first); then migrates it to the newest schema."""
    from medlens.config import get_settings
    from medlens.db import upgrade_to_head
    from medlens.db.backup import BackupError, restore

    if not yes:
        typer.echo("error: restoring replaces the current database; add --yes to confirm", err=True)
        raise typer.Exit(2)
    url = get_settings().database_url
    try:
        restore(url, backup_file)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    upgrade_to_head(url)  # a backup from an older version gets the newer migrations
    typer.echo(f"restored {backup_file} into {url.split('@')[-1]}")


@db_app.command("purge-expired")
def db_purge_expired(
    days: int | None = typer.Option(
        None, min=1, help="Delete cases older than this many days (default: MEDLENS_RETENTION_DAYS)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count the cases that would be deleted."),
) -> None:
    """Delete cases (results, replies, image files) older than the retention; audited. Run it daily."""
    from medlens.config import get_settings
    from medlens.db import make_engine, make_session_factory, upgrade_to_head
    from medlens.web.services.retention import purge_expired
    from medlens.web.services.storage import ImageStore

    settings = get_settings()
    keep = days if days is not None else settings.retention_days
    if keep < 1:
        typer.echo("no retention set (MEDLENS_RETENTION_DAYS=0 and no --days): nothing deleted")
        return
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            done = purge_expired(db, ImageStore(Path(settings.data_dir) / "uploads"), keep, dry_run=dry_run)
    finally:
        engine.dispose()
    verb = "would delete" if dry_run else "deleted"
    typer.echo(
        f"{verb} {done.cases} case(s) created before {done.cutoff:%Y-%m-%d %H:%M} UTC"
        + ("" if dry_run else f" and {done.files} image file(s)")
    )


@admin_app.command("create-user")
def create_user(
    email: str = typer.Option(..., prompt=True),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    role: str = typer.Option("admin", help="patient | clinician | admin"),
    name: str = typer.Option("", help="Display name."),
) -> None:
    """Create an account (use this for the first admin)."""
    from medlens.config import get_settings
    from medlens.db import make_engine, make_session_factory, upgrade_to_head
    from medlens.web.errors import AppError
    from medlens.web.i18n import translate
    from medlens.web.services.users import create_user as create

    url = get_settings().database_url
    upgrade_to_head(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            user = create(db, email, password, name, role)
    except AppError as exc:
        typer.echo(f"error: {translate('en', exc.key, **exc.params)}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"created {user.role} {user.email} (id {user.id})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to app."""
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(admin_app, name="admin")

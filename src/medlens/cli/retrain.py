"""medlens CLI: ``retrain`` (learning from corrections): ``dataset``, ``run``, ``compare``, ``promote``,
``rollback``, ``versions``. Thin: the logic is in ``medlens.retrain`` and the registry service.

A server running on the same database picks up a promotion or roll-back made here within
:data:`medlens.web.services.model_versions.WATCH_INTERVAL_S` seconds, without a restart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from medlens.card import ModelCard
    from medlens.config import Settings
    from medlens.db import ModelVersion, User

retrain_app = typer.Typer(
    help="Learning from corrections: confirmed-case dataset, candidate, comparison, promote, roll back.",
    no_args_is_help=True,
)
MODEL = typer.Option(..., "--model", help="Model name (its card's name, e.g. melanoma).")
BY_USER = typer.Option(
    None, "--by-user", help="Admin user id recorded in the audit log (default: none, 'cli')."
)


@contextmanager
def _session() -> Iterator[tuple[Settings, Session]]:
    from medlens.config import get_settings
    from medlens.db import make_engine, make_session_factory, upgrade_to_head

    settings = get_settings()
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            yield settings, db
    finally:
        engine.dispose()


def _fail(exc: Exception) -> typer.Exit:
    from medlens.web.errors import AppError
    from medlens.web.i18n import translate

    msg = translate("en", exc.key, **exc.params) if isinstance(exc, AppError) else str(exc)
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(code=2)


def _user(db: Session, user_id: int | None) -> User | None:
    from medlens.db import User
    from medlens.web.services.users import require_role

    if user_id is None:
        return None
    user = db.get(User, user_id)
    if user is None:
        raise typer.BadParameter(f"no user {user_id}", param_hint="--by-user")
    require_role(user, "admin")
    return user


def _served_card(settings: Settings, model: str) -> ModelCard:
    """The bundle named ``model`` in the models folder (the registry's version 1 when it has none)."""
    from medlens.card import CardError, ModelCard, load_card

    for path in sorted(Path(settings.models_dir).glob("*/card.json")):
        try:
            card = load_card(path)
        except CardError:
            continue
        if isinstance(card, ModelCard) and card.name == model:
            return card
    raise typer.BadParameter(f"no image model named {model!r} in {settings.models_dir}", param_hint="--model")


def _active(db: Session, settings: Settings, model: str) -> tuple[ModelVersion, ModelCard]:
    from medlens.web.services import model_versions as mv

    row = mv.active(db, model) or mv.ensure_baseline(db, _served_card(settings, model))
    return row, mv.load_bundle(row)


def _echo(row: ModelVersion) -> None:
    comp = row.comparison or {}
    line = f"{row.model} v{row.version} ({row.card_version}) {row.status}"
    if comp:
        diffs = ", ".join(
            f"Δ{m} {d['value']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
            for m, d in comp["difference"].items()
        )
        verdict = "not worse" if comp["not_worse"] else "possibly worse"
        line += f" | vs v{comp.get('against_version')}: {diffs}; {verdict} (margin {comp['margin']})"
    typer.echo(line)


@retrain_app.command("dataset")
def dataset(model: str = MODEL, by_user: int | None = BY_USER) -> None:
    """Write the next version of MODEL's clinician-confirmed dataset (agree -> the model's label, correct
    -> the corrected class, cannot assess left out) under DATA_DIR/datasets/MODEL/vN with manifest.json."""
    from medlens.web.errors import AppError
    from medlens.web.services import retrain
    from medlens.web.services.storage import ImageStore

    with _session() as (settings, db):
        try:
            _, card = _active(db, settings, model)
            ds = retrain.build_dataset(
                db, _user(db, by_user), ImageStore(Path(settings.data_dir) / "uploads"), settings, card
            )
        except AppError as exc:
            raise _fail(exc) from exc
    typer.echo(
        f"dataset {model} v{ds.version}: {ds.n_images} images {json.dumps(ds.manifest['counts'])} at {ds.path}"
    )


@retrain_app.command("run")
def run(
    model: str = MODEL,
    train_arg: list[str] = typer.Option(
        [],
        "--train-arg",
        help="Extra `medlens train` option for the candidate, repeatable (e.g. --train-arg=--epochs=2).",
    ),
    compare: bool = typer.Option(False, "--compare", help="Compare the candidate with the served version."),
    promote: bool = typer.Option(False, "--promote", help="With --compare: promote when it is not worse."),
    latency_runs: int = typer.Option(20, min=0, help="ONNX latency runs measured at export."),
    n_boot: int = typer.Option(1000, min=10, help="Bootstrap resamples (export metrics and comparison)."),
    by_user: int | None = BY_USER,
) -> None:
    """Write the confirmed-case dataset, train a candidate on the original data plus it (the served
    version's own training command + --extra-train), export it as the next registry version."""
    import torch

    from medlens.cli.train import config_from_args
    from medlens.retrain.candidate import CandidateError, candidate_args, export_candidate
    from medlens.training.run import run_training
    from medlens.web.errors import AppError
    from medlens.web.services import model_versions as mv
    from medlens.web.services import retrain
    from medlens.web.services.storage import ImageStore

    with _session() as (settings, db):
        try:
            user = _user(db, by_user)
            parent_row, parent = _active(db, settings, model)
            ds = retrain.build_dataset(
                db, user, ImageStore(Path(settings.data_dir) / "uploads"), settings, parent
            )
            version = mv.next_version(db, model)
            root = retrain.registry_root(settings) / model
            run_dir, bundle = root / "runs" / f"v{version}", root / f"v{version}"
            config = config_from_args(candidate_args(parent, ds, run_dir, train_arg))
            torch.manual_seed(config.seed)
            typer.echo(
                f"training candidate v{version} of {model} (+{ds.n_images} confirmed images): {config.command}"
            )
            run_training(config)
            card = export_candidate(
                run_dir, bundle, parent, ds, f"{parent.version}+r{version}", parent_row.version,
                latency_runs=latency_runs, n_boot=n_boot, command=f"medlens retrain run --model {model}",
            )  # fmt: skip
            row = mv.register_candidate(db, user, card, version, parent_row.version, ds.version, ds.sha256)
            if compare:
                row = mv.compare(db, user, row, settings.promote_margin, n_boot=n_boot)
            if promote and compare and (row.comparison or {}).get("not_worse"):
                row = mv.promote(db, user, row, None)
        except (AppError, CandidateError) as exc:
            raise _fail(exc) from exc
        _echo(row)


@retrain_app.command("compare")
def compare_cmd(
    model: str = MODEL,
    version: int = typer.Option(..., min=1, help="Candidate version."),
    margin: float | None = typer.Option(
        None, min=0.0, help="Non-inferiority margin (default MEDLENS_PROMOTE_MARGIN, 0.02)."
    ),
    n_boot: int = typer.Option(1000, min=10, help="Bootstrap resamples."),
    by_user: int | None = BY_USER,
) -> None:
    """Paired bootstrap of candidate VERSION vs the served version on the served version's test split."""
    from medlens.web.errors import AppError
    from medlens.web.services import model_versions as mv

    with _session() as (settings, db):
        try:
            _active(db, settings, model)
            row = mv.compare(
                db,
                _user(db, by_user),
                mv.get_version(db, model, version),
                settings.promote_margin if margin is None else margin,
                n_boot,
            )
        except AppError as exc:
            raise _fail(exc) from exc
        _echo(row)


@retrain_app.command("promote")
def promote_cmd(
    model: str = MODEL,
    version: int = typer.Option(..., min=1, help="Candidate version."),
    by_user: int | None = BY_USER,
) -> None:
    """Serve candidate VERSION (only when its comparison with the served version says not worse)."""
    from medlens.web.errors import AppError
    from medlens.web.services import model_versions as mv

    with _session() as (settings, db):
        try:
            _active(db, settings, model)
            row = mv.promote(db, _user(db, by_user), mv.get_version(db, model, version), None)
        except AppError as exc:
            raise _fail(exc) from exc
        _echo(row)


@retrain_app.command("rollback")
def rollback_cmd(model: str = MODEL, by_user: int | None = BY_USER) -> None:
    """Serve again the version the served one replaced."""
    from medlens.web.errors import AppError
    from medlens.web.services import model_versions as mv

    with _session() as (settings, db):
        try:
            _active(db, settings, model)
            row = mv.rollback(db, _user(db, by_user), model, None)
        except AppError as exc:
            raise _fail(exc) from exc
        _echo(row)


@retrain_app.command("versions")
def versions_cmd(model: str = MODEL) -> None:
    """List MODEL's registry versions (newest first) with their comparison."""
    from medlens.web.errors import AppError
    from medlens.web.services import model_versions as mv

    with _session() as (settings, db):
        try:
            _active(db, settings, model)
        except AppError as exc:
            raise _fail(exc) from exc
        for row in mv.versions(db, model):
            _echo(row)


def register(app: typer.Typer) -> None:
    app.add_typer(retrain_app, name="retrain")

"""medlens CLI: ``cross-source`` (a bundle measured per data source, in-source vs cross-source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def cross_source(
    model: Path = typer.Option(..., "--model", "-m", help="Model card (card.json) or its folder."),
    dataset: str = typer.Option(
        "melanoma-sources", help="Dataset adapter; multi-source ones (melanoma-sources) carry their splits."
    ),
    data_root: Path = typer.Option(..., help="Dataset root (for melanoma-sources: the shared data folder)."),
    split: str = typer.Option(
        "test", help="test | val | train | all (all: every image, for unseen sources)."
    ),
    train_sources: str = typer.Option(
        "", help="Comma-separated sources the model was trained on (marks rows in-source / cross-source)."
    ),
    out: Path | None = typer.Option(None, help="Folder for cross_source.json, .md and the logits (.npz)."),
    n_boot: int = typer.Option(1000, min=100),
    seed: int = typer.Option(0),
    threads: int | None = typer.Option(None, help="ONNX Runtime threads (default: all cores)."),
) -> None:
    """Run a bundle exactly as served on every source of a dataset; in-source and cross-source metrics
    side by side with 95% bootstrap intervals."""
    import numpy as np

    from medlens.card import CardError
    from medlens.data import DatasetFormatError, create_dataset
    from medlens.data.sources import original_classes, sources_of
    from medlens.serving import Predictor
    from medlens.serving.source_check import cross_source_check
    from medlens.serving.source_report import cross_source_markdown

    try:
        predictor = Predictor.from_card(model, threads=threads)
    except CardError as exc:
        _fail(str(exc))
    try:
        sample_set = create_dataset(dataset, data_root)
    except (DatasetFormatError, ValueError) as exc:
        _fail(str(exc))
    sources = [s.strip() for s in train_sources.split(",") if s.strip()]
    try:
        result, logits, indices = cross_source_check(
            predictor, sample_set, split, train_sources=sources, n_boot=n_boot, seed=seed
        )
    except ValueError as exc:
        _fail(str(exc))
    text = cross_source_markdown(result)
    typer.echo(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "cross_source.json").write_text(json.dumps(result, indent=1))
        (out / "cross_source.md").write_text(text + "\n")
        np.savez_compressed(
            out / "cross_source_logits.npz",
            logits=logits,
            indices=np.asarray(indices),
            labels=sample_set.subset(indices).labels(),
            files=np.array([sample_set.samples[i].source for i in indices]),
            sources=sources_of(sample_set.subset(indices)).astype(str),
            original=original_classes(sample_set.subset(indices)).astype(str),
            temperature=np.float64(predictor.card.temperature),
            threshold=np.float64(predictor.card.thresholds.threshold or 0.5),
        )
        typer.echo(f"wrote {out}/cross_source.json, cross_source.md, cross_source_logits.npz")


def audit_shortcuts(
    model: Path = typer.Option(..., "--model", "-m", help="Model card (card.json) or its folder."),
    dataset: str = typer.Option("melanoma-sources", help="Dataset adapter (multi-source ones carry splits)."),
    data_root: Path = typer.Option(..., help="Dataset root (for melanoma-sources: the shared data folder)."),
    out: Path = typer.Option(..., help="Report folder, e.g. reports/shortcuts-melanoma."),
    split: str = typer.Option("test", help="test | val | train | all"),
    n_per_source: int = typer.Option(600, min=20, help="Images per source for the probes."),
    n_counterfactual: int = typer.Option(200, min=10, help="Images per source for the counterfactual edits."),
    train_sources: str = typer.Option("", help="Comma-separated sources the model was trained on."),
    n_boot: int = typer.Option(1000, min=100),
    seed: int = typer.Option(0),
    threads: int | None = typer.Option(None, help="ONNX Runtime threads (default: all cores)."),
    card: bool = typer.Option(False, "--card", help="Put the verdict into the card's limitations."),
) -> None:
    """Shortcut audit of a bundle: source prediction, artifact probes vs label, counterfactual
    sensitivity (lens border, zoom, colour cast); for chest X-rays source prediction, CAM on the lung
    fields and leave-one-source-out, full vs lung-cropped. Writes report.md, shortcuts.json and PNGs."""
    from medlens.audit.report import verdict
    from medlens.audit.run import audit_shortcuts as run_audit
    from medlens.card import CardError
    from medlens.cli.train import _command_line
    from medlens.data import DatasetFormatError, create_dataset
    from medlens.serving import Predictor

    try:
        predictor = Predictor.from_card(model, threads=threads)
    except CardError as exc:
        _fail(str(exc))
    try:
        sample_set = create_dataset(dataset, data_root)
    except (DatasetFormatError, ValueError) as exc:
        _fail(str(exc))
    if split != "all" and split not in (sample_set.predefined_splits or {}):
        sample_set = _with_card_split(predictor.card, sample_set, data_root)
    if _is_xray(predictor.card.task):
        _audit_xray(predictor, sample_set, out, split, n_boot, seed)
        return
    try:
        result = run_audit(
            predictor,
            sample_set,
            out,
            split=split,
            n_per_source=n_per_source,
            n_counterfactual=n_counterfactual,
            train_sources=[s.strip() for s in train_sources.split(",") if s.strip()],
            n_boot=n_boot,
            seed=seed,
            command=_command_line(),
        )
    except ValueError as exc:
        _fail(str(exc))
    for line in verdict(result):
        typer.echo(f"- {line}")
    if card:
        from medlens.audit.card_limits import add_audit_limit

        typer.echo(f"card: {add_audit_limit(predictor.card.directory, result, str(out))}")
    typer.echo(f"wrote {out}/report.md, shortcuts.json, probes.png, examples.png")


def _with_card_split(card: Any, sample_set: Any, data_root: Path) -> Any:
    """A one-source dataset without predefined splits gets the model's own split, rebuilt from its card
    (so the audit's "test" images are the model's test images)."""
    from medlens.data.rebuild import facts_from_card, rebuild_split

    try:
        facts = facts_from_card(card, data_root)
        if sample_set.name not in (facts.dataset, facts.label_dataset):
            _fail(
                f"dataset {sample_set.name!r} has no predefined splits and is not the model's ({facts.dataset!r}); use --split all"
            )
        rebuilt = rebuild_split(facts, card.data.fingerprint, strict=False)
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    rebuilt.sample_set.predefined_splits = {k: list(v) for k, v in rebuilt.manifest.splits.items()}
    return rebuilt.sample_set


def _is_xray(task: str) -> bool:
    from medlens.tasks import TASKS, get_task

    return task in TASKS and get_task(task).modality == "chest-xray"


def _audit_xray(predictor: Any, sample_set: Any, out: Path, split: str, n_boot: int, seed: int) -> None:
    from medlens.audit.xray import audit_xray_shortcuts
    from medlens.cli.train import _command_line

    try:
        result = audit_xray_shortcuts(
            predictor, sample_set, out, split=split, n_boot=n_boot, seed=seed, command=_command_line()
        )
    except ValueError as exc:
        _fail(str(exc))
    for subset, rows in result["source_prediction"].items():
        for feats, entry in rows.items():
            auc = entry.get("auroc")
            if auc:
                typer.echo(f"- source from image ({subset}, {feats}): AUROC {auc['value']:.3f}")
    typer.echo(f"wrote {out}/report.md, shortcuts.json, cam_by_source.png, lungcrop_examples.png")


def register(app: typer.Typer) -> None:
    """Add this module's commands to app."""
    app.command("cross-source")(cross_source)
    app.command("audit-shortcuts")(audit_shortcuts)

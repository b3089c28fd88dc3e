"""medlens CLI: ``predict`` (ONNX model on images), ``export`` / ``ensemble`` (-> bundled model), ``retime``
(re-measure a bundle's latency) and ``check``."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _make_folder(folder: Path, option: str) -> None:
    """Create ``folder`` for an output option, or fail naming the option (a file in the way, no rights)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"{option} {folder}: cannot create the folder ({exc.strerror or exc})")


def predict(
    inputs: list[Path] = typer.Argument(..., help="Image files or folders (jpg, jpeg, png, dcm)."),
    model: Path = typer.Option(..., "--model", "-m", help="Model card (card.json) or its folder."),
    cam: Path | None = typer.Option(
        None, "--cam", help="Write the heatmap overlay PNG here (one image) or into this folder (several)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array (an object per image)."),
    lang: str = typer.Option("en", "--lang", help="Language of risk labels and advice: en | ko."),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    tta: bool = typer.Option(
        True, "--tta/--no-tta", help="Apply the card's test-time views (its metrics assume them)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write one row per image to this .jsonl or .csv file."
    ),
    recursive: bool = typer.Option(
        False, "--recursive", "-r", help="Also screen the images in every subfolder of a folder."
    ),
    use_ray: bool = typer.Option(False, "--ray", help="Screen with Ray Data actors (needs --out)."),
    actors: int = typer.Option(2, "--actors", min=1, help="Ray Data actors (1 CPU each) with --ray."),
    address: str | None = typer.Option(
        None, "--address", help="Ray cluster address with --ray (default: local)."
    ),
    quality: bool = typer.Option(
        True,
        "--quality/--no-quality",
        help="Apply the web upload's capture-quality gate (wrong kind of image, blur, exposure) and mark "
        "photos that fail it RETAKE.",
    ),
) -> None:
    """Screen images with a bundled model. Screening aid only, never a diagnosis."""
    from PIL import Image

    from medlens import DISCLAIMER_EN, DISCLAIMER_KO
    from medlens.card import CardError
    from medlens.data.imageio import ImageDecodeError
    from medlens.quality.for_card import quality_check_for, quality_row
    from medlens.serving import Predictor, read_any_image
    from medlens.serving.images import cam_file_names, expand_inputs

    if lang not in ("en", "ko"):
        _fail(f"--lang {lang!r}: choose en or ko")
    try:
        predictor = Predictor.from_card(model, tta=tta)
    except CardError as exc:
        _fail(str(exc))
    files = expand_inputs(inputs, recursive=recursive)
    if not files:
        hint = "" if recursive else " (add --recursive to look in subfolders)"
        _fail(f"no images found in {', '.join(map(str, inputs))}{hint}")
    if use_ray or out is not None:
        _screen_to_file(files, model, out, use_ray, actors, address, batch_size, tta, quality, lang)
        return
    check = quality_check_for(predictor.card) if quality else None
    results: list[dict[str, Any]] = []
    cam_names = cam_file_names(files)
    one_cam_file = cam is not None and len(files) == 1 and cam.suffix.lower() == ".png"
    if cam is not None:  # before any image is screened: a bad path fails at once, not after the work
        _make_folder(cam.parent if one_cam_file else cam, "--cam")
    unreadable: list[dict[str, str]] = []
    for start in range(0, len(files), batch_size):  # decode one batch at a time: folders may be large
        chunk, images = [], []
        rows: dict[Path, dict[str, Any]] = {}  # per file, in input order below
        for f in files[start : start + batch_size]:
            try:
                images.append(read_any_image(f))
                chunk.append(f)
            except (ImageDecodeError, OSError) as exc:  # the others are still screened
                rows[f] = {"file": str(f), "error": str(exc)}
                unreadable.append(rows[f])
        preds = predictor.predict_batch(images, cam=cam is not None, batch_size=batch_size) if images else []
        for f, image, p in zip(chunk, images, preds, strict=True):
            row = {"file": str(f), **p.to_dict(lang)}
            if check is not None:
                row.update(quality_row(check(image), lang))
            if cam is not None and p.overlay is not None:
                out = cam if one_cam_file else cam / cam_names[f]
                Image.fromarray(p.overlay).save(out)
                row["cam"] = str(out)
            rows[f] = row
        results.extend(rows[f] for f in files[start : start + batch_size])  # input order
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=1))
        _exit_if_unreadable(unreadable, len(files))
        return
    for r in results:
        if "error" in r:
            typer.echo(f"{r['file']}: NOT SCREENED ({r['error']})")
            continue
        risk = f"  risk={r['risk']}" if r["risk"] else ""
        ood = "  OUT-OF-DISTRIBUTION?" if r["ood"] else ""
        if r.get("source_ood"):
            ood += f"  FAR FROM EVERY TRAINING SOURCE (nearest {r['nearest_source']}): refer"
        if r.get("quality_ok") is False:
            ood += f"  RETAKE ({r['quality_issues']}): {r['quality_advice']}"
        probs = ", ".join(f"{k}={v:.3f}" for k, v in r["probabilities"].items())
        typer.echo(
            f"{r['file']}: {r['label']}{risk}{ood}  [{probs}]" + (f"  cam={r['cam']}" if "cam" in r else "")
        )
    typer.echo(DISCLAIMER_KO if lang.startswith("ko") else DISCLAIMER_EN)
    _exit_if_unreadable(unreadable, len(files))


def _exit_if_unreadable(unreadable: list[dict[str, str]], n_files: int) -> None:
    """Exit 1 naming the files that could not be read (their rows say why; the others were screened)."""
    if unreadable:
        names = ", ".join(r["file"] for r in unreadable[:5]) + (" …" if len(unreadable) > 5 else "")
        typer.echo(f"error: {len(unreadable)} of {n_files} files could not be read: {names}", err=True)
        raise typer.Exit(1)


def _screen_to_file(
    files: list[Path], model: Path, out: Path | None, use_ray: bool, actors: int, address: str | None,
    batch_size: int, tta: bool, quality: bool, lang: str,
) -> None:  # fmt: skip
    """Large folders: rows to a JSONL/CSV file, in this process or on Ray Data (``medlens.batch``)."""
    import time

    from medlens.batch.screen import screen_local, screen_ray, write_rows

    if out is None or out.suffix.lower() not in (".jsonl", ".csv"):
        _fail("--out must name a .jsonl or .csv file (needed with --ray)")
    _make_folder(out.parent, "--out")
    if out.is_dir():
        _fail(f"--out {out} is a folder: name a .jsonl or .csv file")
    t0 = time.perf_counter()
    if use_ray:
        import ray

        try:
            rows = screen_ray(files, model, batch_size, actors, tta, address, quality, lang)
            n = write_rows(rows, out)
        finally:
            ray.shutdown()
    else:
        n = write_rows(screen_local(files, model, batch_size, tta, quality, lang), out)
    wall = time.perf_counter() - t0
    typer.echo(
        f"{n} images screened in {wall:.1f} s ({n / wall:.1f} images/s{', Ray' if use_ray else ''}): {out}"
    )


def _target_recall_option(default: str) -> Any:
    return typer.Option(
        None,
        "--target-recall",
        min=0.01,
        max=1.0,
        help="Recall of the target class the operating threshold reaches on validation, in every source "
        f"when there are several (default: {default}).",
    )


def _recall_confidence_option() -> Any:
    return typer.Option(
        None,
        "--recall-confidence",
        min=0.5,
        max=0.999,
        help="Choose the threshold so that the validation recall's one-sided lower bound (Wilson, this "
        "confidence, e.g. 0.95) reaches --target-recall, not just the observed recall.",
    )


def export(
    run_dir: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="Training run folder (best.pt, config.json, metrics.json)."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output model folder, e.g. models/melanoma."),
    name: str | None = typer.Option(None, "--name", help="Model name (default: the output folder's name)."),
    int8: bool = typer.Option(
        False, "--int8", help="Also write model.int8.onnx (dynamic quantization) and measure its cost."
    ),
    opset: int = typer.Option(17, "--opset"),
    latency_runs: int = typer.Option(100, "--latency-runs", min=5),
    target_recall: float | None = _target_recall_option("the run's, else the task's"),
    recall_confidence: float | None = _recall_confidence_option(),
) -> None:
    """Turn a training run into a bundled model: model.onnx + cam_head.npz + card.json."""
    from medlens.export import export_run

    command = "medlens " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    card = export_run(
        run_dir,
        out,
        name=name,
        int8=int8,
        opset=opset,
        latency_runs=latency_runs,
        command=command,
        target_recall=target_recall,
        recall_confidence=recall_confidence,
    )
    typer.echo(
        f"wrote {out / 'card.json'} ({card.name}: {card.backbone}, {card.preprocessing.input_size}px, "
        f"T={card.temperature:.3f}, threshold={card.thresholds.threshold})"
    )


def ensemble(
    members: list[Path] = typer.Argument(
        ...,
        help="Two or more bundled model folders of one task; each one's split must be the first one's "
        "or nested in it (e.g. a model trained on one of the task's sources).",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output model folder."),
    name: str | None = typer.Option(None, "--name", help="Model name (default: the output folder's name)."),
    latency_runs: int = typer.Option(100, "--latency-runs", min=5),
    target_recall: float | None = _target_recall_option("the first member's"),
    recall_confidence: float | None = _recall_confidence_option(),
) -> None:
    """One bundle from several of the same task: the mean of their calibrated logits in one ONNX graph,
    calibrated, thresholded and measured afresh on their shared split. A member whose image ops (Shades of
    Gray, circle mask) differ from the others' applies them inside the graph."""
    from medlens.card import CardError
    from medlens.export.ensemble import export_ensemble

    command = "medlens " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    try:
        card = export_ensemble(
            members,
            out,
            name=name,
            target_recall=target_recall,
            command=command,
            latency_runs=latency_runs,
            recall_confidence=recall_confidence,
        )
    except (CardError, ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    typer.echo(
        f"wrote {out / 'card.json'} ({card.name}: {card.backbone}, T={card.temperature:.3f}, "
        f"threshold={card.thresholds.threshold})"
    )


def recalibrate(
    model: Path = typer.Argument(..., help="Bundled model folder (or its card.json)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output model folder (not the bundle itself)."),
    views: list[str] = typer.Option(
        None,
        "--tta",
        help="Test-time views to serve with, repeatable (hflip, vflip, rot90, rot180, rot270, transpose, "
        "transverse); default: the card's. --tta none serves the plain image only.",
    ),
    target_recall: float | None = _target_recall_option("the card's"),
    recall_confidence: float | None = _recall_confidence_option(),
    data_root: Path | None = typer.Option(
        None, "--data-root", help="Where the bundle's data is (default: as its training command says)."
    ),
    logit_adjust: float | None = typer.Option(
        None,
        "--logit-adjust",
        min=-2.0,
        max=2.0,
        help="Move the decision by the training class prior: calibrated logits + TAU x -log(class share). "
        "Choose TAU on validation (benchmarks/logit_adjust.py).",
    ),
) -> None:
    """Refit a bundle's temperature, threshold, OOD gate and conformal sets on its own split (rebuilt from
    the card), optionally with other test-time views or a logit adjustment; the same weights, measured afresh
    on its test split."""
    from medlens.card import CardError
    from medlens.data import DatasetFormatError
    from medlens.export.recalibrate import recalibrate_bundle

    command = "medlens " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    chosen = None if not views else ([] if list(views) == ["none"] else list(views))
    try:
        card = recalibrate_bundle(
            model, out, views=chosen, target_recall=target_recall, recall_confidence=recall_confidence,
            data_root=data_root, command=command, logit_adjust=logit_adjust,
        )  # fmt: skip
    except (CardError, ValueError, DatasetFormatError, OSError) as exc:
        _fail(str(exc))
    test = card.metrics.get("test", {})
    acc = test.get("accuracy", {}).get("value")
    typer.echo(
        f"wrote {out / 'card.json'} ({card.name}: views {card.tta or 'none'}, T={card.temperature:.3f}, "
        f"threshold={card.thresholds.threshold}, test accuracy {acc if acc is None else round(acc, 4)})"
    )


def retime(
    models: list[Path] = typer.Argument(..., help="Bundled model folders (or their card.json)."),
    rounds: int = typer.Option(7, "--rounds", min=1, help="Interleaved timing rounds."),
    runs: int = typer.Option(20, "--runs", min=3, help="Calls per model per round (batch 1)."),
    threads: int | None = typer.Option(
        None, "--threads", min=1, help="ONNX Runtime threads (default: its own, as at export)."
    ),
    max_busy: float = typer.Option(
        0.1, "--max-busy", min=0.0, max=1.0, help="Refuse when other processes used more of the CPUs."
    ),
    pause: float = typer.Option(
        0.0, "--pause", min=0.0, help="Seconds between rounds (spreads them over minutes of machine drift)."
    ),
    write: bool = typer.Option(False, "--write", help="Write the new figures into the cards."),
) -> None:
    """Re-measure the models' latency on an idle machine and (with --write) put it in their cards."""
    from medlens.card import CardError
    from medlens.serving.retime import MachineBusyError, retime_bundles

    try:
        results, share = retime_bundles(
            models, rounds=rounds, runs=runs, threads=threads, max_others=max_busy, write=write, pause_s=pause
        )
    except (CardError, ValueError) as exc:
        _fail(str(exc))
    except MachineBusyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("model | card before (ms) | now: median [q1, q3] (ms) | batch 32 img/s before -> now")
    for r in results:
        before = "-" if r.before_ms is None else f"{r.before_ms:.2f}"
        typer.echo(
            f"{r.model} | {before} | {r.latency_ms:.2f} [{r.q1_ms:.2f}, {r.q3_ms:.2f}] | "
            f"{r.before_batch32_ips or '-'} -> {r.batch32_ips}"
        )
    others = "unknown" if share is None else f"{share:.0%}"
    typer.echo(
        f"other processes used {others} of the CPUs meanwhile; cards {'updated' if write else 'unchanged'}"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to app."""
    app.command("predict")(predict)
    app.command("export")(export)
    app.command("ensemble")(ensemble)
    app.command("recalibrate")(recalibrate)
    app.command("retime")(retime)
    app.command("check")(check)


def check(
    model: Path = typer.Option(..., "--model", "-m", help="Model card (card.json) or its folder."),
    dataset: str = typer.Option(..., "--dataset", help="Dataset adapter (see `medlens data list`)."),
    data_root: Path = typer.Option(..., "--data-root", help="Where the labelled images are."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    out: Path | None = typer.Option(None, "--out", help="Write the result as JSON here."),
) -> None:
    """Measure a bundled model on a labelled dataset exactly as served (an independent check)."""
    from medlens.card import CardError
    from medlens.data import DatasetFormatError, create_dataset
    from medlens.serving import Predictor
    from medlens.serving.check import check_bundle

    try:
        predictor = Predictor.from_card(model)
        sample_set = create_dataset(dataset, data_root)
        result = check_bundle(
            predictor,
            sample_set,
            batch_size=batch_size,
            progress=lambda done, n: typer.echo(f"\r{done}/{n} images", nl=False, err=True),
        )
    except (CardError, DatasetFormatError, ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    typer.echo("", err=True)
    typer.echo(f"{result.model} on {result.dataset} ({result.n} images), 95% bootstrap CI:")
    for name, m in result.metrics.items():
        typer.echo(f"  {name:26s} {m['value']:.4f} [{m['ci_low']:.4f}, {m['ci_high']:.4f}]")
    if result.operating_point:
        op = result.operating_point
        typer.echo(
            f"  at the card's threshold {op['threshold']:.3f}: recall {op['recall']:.4f}, "
            f"precision {op['precision']:.4f}, specificity {op['specificity']:.4f}"
        )
    if out is not None:
        out.write_text(json.dumps(result.to_dict(), indent=1))

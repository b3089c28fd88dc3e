"""medlens CLI: ``abcd`` (ABCD lesion features) and ``quality`` (capture-quality gate). Torch-free."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import numpy as np


def _read(path: Path):  # -> np.ndarray
    from medlens.data.imageio import ImageDecodeError, read_image_rgb

    if not path.exists():
        raise typer.BadParameter(f"{path}: file not found")
    try:
        return read_image_rgb(path)
    except ImageDecodeError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _overlay_path(base: Path, index: int, n: int) -> Path:
    """``base`` (``.png`` added when it has no image suffix), ``base_N.png`` for the N-th of several."""
    suffix = base.suffix if base.suffix.lower() in (".png", ".jpg", ".jpeg") else ".png"
    stem = base.stem if base.suffix.lower() in (".png", ".jpg", ".jpeg") else base.name
    return base.with_name(f"{stem}{suffix}" if n == 1 else f"{stem}_{index}{suffix}")


def write_overlay(out: Path, rgb: np.ndarray, option: str = "--overlay") -> None:
    """Write an RGB overlay image, or fail naming the option (a file in the way of its folder, a format
    OpenCV cannot write)."""
    import cv2

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise typer.BadParameter(
            f"{option} {out}: cannot create its folder ({exc.strerror or exc})"
        ) from None
    if not cv2.imwrite(str(out), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise typer.BadParameter(f"{option} {out}: could not be written")


def register(app: typer.Typer) -> None:
    @app.command("abcd")
    def abcd_cmd(
        images: list[Path] = typer.Argument(..., help="Dermoscopy / close-up skin photos."),
        mm_per_pixel: float | None = typer.Option(
            None, "--mm-per-pixel", min=1e-9, help="Scale for the diameter in mm."
        ),
        overlay: Path | None = typer.Option(
            None, "--overlay", help="Write the overlay PNG here (suffix _N when several)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object per image."),
        lang: str = typer.Option("en", "--lang", help="Language of texts: en or ko."),
    ) -> None:
        """ABCD rule features and Total Dermoscopy Score of each photo (screening aid, not a diagnosis)."""
        from medlens.lesion import analyze_lesion

        if lang not in ("en", "ko"):
            raise typer.BadParameter(f"--lang {lang!r}: choose en or ko")
        pixels = [_read(path) for path in images]  # every photo checked before any overlay is written
        for i, (path, rgb) in enumerate(zip(images, pixels, strict=True)):
            res = analyze_lesion(rgb, mm_per_pixel=mm_per_pixel)
            if overlay is not None:
                write_overlay(_overlay_path(overlay, i, len(images)), res.overlay)
            if as_json:
                typer.echo(json.dumps({"file": str(path), **res.to_dict()}, ensure_ascii=False))
                continue
            if not res.ok:
                typer.echo(f"{path}: segmentation failed: {res.failure}")
                continue
            label, advice = res.tds_text  # type: ignore[misc]
            diam = f"{res.diameter_mm:.1f} mm" if res.diameter_mm is not None else f"{res.diameter_px:.0f} px"
            typer.echo(
                f"{path}: A={res.asymmetry} B={res.border} C={len(res.colors)} ({', '.join(res.colors)}) "
                f"D={res.diameter_score} ({diam}) TDS={res.tds:.2f} -> {label.get(lang)}. {advice.get(lang)} "
                f"[segmentation confidence {res.confidence:.2f}]"
            )

    @app.command("quality")
    def quality_cmd(
        images: list[Path] = typer.Argument(..., help="Photos to check."),
        modality: str = typer.Option(
            "skin", "--modality", help="skin, dermoscopy, skin-photo, scalp-photo, chest-xray"
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object per image."),
        lang: str = typer.Option("en", "--lang", help="Language of texts: en or ko."),
        model: Path | None = typer.Option(
            None,
            "--model",
            help="A bundle: use its modality and the blur/contrast/brightness limits its robustness curves set.",
        ),
    ) -> None:
        """Capture-quality verdict (blur, exposure, size, shows skin) with retake advice. Exit 1 if any fails."""
        from medlens.quality import assess_quality
        from medlens.quality.model_gate import ModelGate

        gate = None
        if model is not None:
            from medlens.card import CardError, ModelCard
            from medlens.tasks import TASKS, get_task

            try:
                card = ModelCard.load(model)
            except (CardError, OSError, ValueError) as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from exc
            gate = ModelGate.from_card(card)
            if card.task in TASKS:
                modality = get_task(card.task).modality
        failed = False
        for path in images:
            rep = assess_quality(_read(path), modality=modality, model_gate=gate)
            failed |= not rep.ok
            if as_json:
                typer.echo(json.dumps({"file": str(path), **rep.to_dict()}, ensure_ascii=False))
                continue
            verdict = "OK" if rep.ok else "RETAKE"
            typer.echo(
                f"{path}: {verdict} (blur {rep.blur:.0f}, brightness {rep.brightness:.0f}, contrast {rep.contrast:.0f}"
                + (f", skin {rep.skin_fraction:.0%}" if rep.skin_fraction is not None else "")
                + ")"
            )
            for issue in rep.issues:
                typer.echo(f"  - {issue.code}: {issue.message.get(lang)} {issue.retake_advice.get(lang)}")
        if failed:
            raise typer.Exit(1)

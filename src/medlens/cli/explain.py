"""medlens CLI: ``explain`` (Grad-CAM family heatmap overlay for one image)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("explain")
    def explain_cmd(
        image: Path = typer.Argument(..., help="Image to explain."),
        model: str = typer.Option(
            ..., "--model", help="medlens checkpoint (best.pt) or a timm backbone name."
        ),
        weights: Path | None = typer.Option(
            None, "--weights", help="State dict .pt when --model is a backbone name."
        ),
        num_classes: int = typer.Option(2, "--num-classes", help="Classes when --model is a backbone name."),
        method: str = typer.Option("gradcam", "--method", help="gradcam, gradcam++, scorecam, eigencam."),
        target_class: int | None = typer.Option(
            None, "--target-class", help="Class index (default: predicted)."
        ),
        input_size: int | None = typer.Option(None, "--input-size", help="Override the model's input size."),
        out: Path = typer.Option(Path("overlay.png"), "--out", help="Overlay PNG to write."),
    ) -> None:
        """Write a class-activation heatmap overlay (a look at what the model used; not a diagnosis)."""
        from medlens.cli.lesion import write_overlay
        from medlens.data.imageio import ImageDecodeError, read_image_rgb
        from medlens.explain.cam import list_cam_methods
        from medlens.explain.runner import explain_image, load_model

        if method not in list_cam_methods():
            raise typer.BadParameter(f"unknown method {method!r}; valid: {', '.join(list_cam_methods())}")
        if not image.exists():
            raise typer.BadParameter(f"{image}: file not found")
        try:
            rgb = read_image_rgb(image)
            loaded = load_model(model, weights, num_classes, input_size)
            res = explain_image(
                loaded, rgb, method, target_class
            )  # a --target-class out of range: ValueError
        except (ImageDecodeError, ValueError, FileNotFoundError) as exc:
            raise typer.BadParameter(str(exc)) from exc
        write_overlay(out, res.overlay, "--out")
        name = (
            loaded.classes[res.target_class]
            if res.target_class < len(loaded.classes)
            else str(res.target_class)
        )
        typer.echo(
            f"{image}: {method} for class {name} (p={res.probabilities[res.target_class]:.3f}) -> {out}"
        )

"""medlens CLI: ``conformal`` (split-conformal prediction sets for a bundled model, into its card)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("conformal")
    def conformal_cmd(
        model: Path = typer.Argument(..., help="Bundled model folder (card.json + model.onnx)."),
        alpha: float = typer.Option(0.1, "--alpha", min=0.001, max=0.5, help="Miscoverage aimed at."),
        target_alpha: float | None = typer.Option(
            None, "--target-alpha", help="Miscoverage for the target class (default: --alpha)."
        ),
        method: str = typer.Option("aps", "--method", help="Conformity score: aps | lac."),
        data_root: Path | None = typer.Option(
            None, "--data-root", help="Dataset root (default: the one in the card's training command)."
        ),
        any_split: bool = typer.Option(
            False, "--any-split", help="Run even when the rebuilt split does not match the card's sha256."
        ),
        report_dir: Path = typer.Option(
            Path("reports/conformal"), "--report-dir", help="Where <model>.md is written."
        ),
        no_card: bool = typer.Option(False, "--no-card", help="Do not write the block into the card."),
    ) -> None:
        """Prediction sets: thresholds on the val split, coverage (Wilson CI) and set size on test."""
        from medlens.card import CardError
        from medlens.data import DatasetFormatError
        from medlens.serving.conformal_bundle import conformal_for_bundle, report_text

        command = "medlens " + shlex.join(sys.argv[1:]) if sys.argv[1:] else ""
        try:
            block = conformal_for_bundle(
                model,
                alpha=alpha,
                target_alpha=target_alpha,
                method=method,
                data_root=data_root,
                strict=not any_split,
                command=command,
                write_card=not no_card,
            )
        except (CardError, DatasetFormatError, ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        report_dir.mkdir(parents=True, exist_ok=True)
        out = report_dir / f"{model.resolve().name}.md"
        out.write_text(report_text(model.resolve().name, block), encoding="utf-8")
        cov = block.test["coverage"]
        typer.echo(
            f"coverage {cov['value']:.3f} [{cov['ci_low']:.3f}, {cov['ci_high']:.3f}] on {cov['n']} test images, "
            f"mean set size {block.test['mean_set_size']:.2f} -> {out}"
        )

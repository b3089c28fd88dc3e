"""medlens CLI: ``robustness`` (15 corruptions x 5 severities on a bundled model's test split)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("robustness")
    def robustness_cmd(
        model: Path = typer.Argument(..., help="Bundled model folder (card.json + model.onnx)."),
        dataset: str = typer.Option(..., "--dataset", help="Dataset adapter the model was trained with."),
        data_root: Path = typer.Option(..., "--data-root", help="Dataset root."),
        reference: Path | None = typer.Option(
            None, "--reference", help="Reference bundle (same classes) that CE / mCE are normalised by."
        ),
        split: str = typer.Option("grouped", "--split", help="Split method of the training run."),
        seed: int = typer.Option(0, "--seed", help="Seed of the training run's split (and the corruptions)."),
        label_dataset: str | None = typer.Option(
            None,
            "--label-dataset",
            help="Adapter whose labels the model predicts, when the split was made on --dataset.",
        ),
        fractions: list[float] = typer.Option(
            [],
            "--fractions",
            help="Train/val/test fractions of the training run's split (default 0.7 0.15 0.15).",
        ),
        n: int = typer.Option(200, "--n", min=0, help="Stratified random test images (0 = the whole split)."),
        corruption: list[str] = typer.Option([], "--corruption", help="Only these (repeatable)."),
        out: Path | None = typer.Option(
            None, "--out", help="Report folder (default reports/robustness-<model>)."
        ),
        any_split: bool = typer.Option(
            False,
            "--any-split",
            help="Run even when the rebuilt split does not match the card's manifest sha256.",
        ),
        no_card: bool = typer.Option(
            False, "--no-card", help="Do not write metrics.robustness into the card."
        ),
        gate_only: bool = typer.Option(
            False,
            "--gate-only",
            help="Only derive quality-gate thresholds from the curves already in the card.",
        ),
        gate_max_drop: float = typer.Option(
            0.05,
            "--gate-max-drop",
            help="Accuracy drop (fraction) that sets the derived quality-gate thresholds.",
        ),
    ) -> None:
        """Corruption robustness (ImageNet-C's 15 x 5): error, CE, mCE, curves, report, card entry."""
        from medlens.card import CardError
        from medlens.data.corruptions import list_corruptions
        from medlens.robustness.run import run_robustness

        unknown = set(corruption) - set(list_corruptions())
        if unknown:
            typer.echo(
                f"error: unknown corruption(s) {sorted(unknown)}; valid: {', '.join(list_corruptions())}",
                err=True,
            )
            raise typer.Exit(2)
        out_dir = out or Path("reports") / f"robustness-{model.resolve().name}"
        if gate_only:
            import json

            from medlens.robustness.run import gate_from_card

            try:
                gate = gate_from_card(model, dataset, data_root, split, seed, gate_max_drop, not any_split)
            except (CardError, ValueError, OSError) as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from exc
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "quality_gate.json").write_text(json.dumps(gate, indent=1))
            typer.echo(json.dumps(gate, indent=1))
            return
        command = "medlens " + shlex.join(sys.argv[1:]) if sys.argv[1:] else ""
        try:
            s = run_robustness(
                model,
                dataset,
                data_root,
                out_dir,
                reference=reference,
                split=split,
                seed=seed,
                n=n or None,
                corruptions=corruption or None,
                fractions=tuple(fractions) or (0.7, 0.15, 0.15),
                label_dataset=label_dataset,
                strict_split=not any_split,
                write_card=not no_card,
                command=command,
                gate_max_drop=gate_max_drop,
            )
        except (CardError, ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(
            f"clean acc {1 - s.clean_error:.3f}, mean corrupted acc {1 - s.mean_corruption_error:.3f}"
            + (
                f", mCE {100 * s.mce:.1f}%, relative mCE {100 * (s.relative_mce or 0):.1f}%"
                if s.mce is not None
                else ""
            )
            + f" -> {out_dir}/report.md"
        )

"""medlens CLI: ``ood-fit`` (the source-aware OOD gate of a bundled model, into its card)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("ood-fit")
    def ood_fit_cmd(
        model: Path = typer.Argument(..., help="Bundled image model folder (card.json + model.onnx)."),
        data_root: Path | None = typer.Option(
            None, "--data-root", help="Dataset root (default: the one in the card's training command)."
        ),
        k: int = typer.Option(5, "--k", min=1, help="Score: cosine distance to the k-th nearest reference."),
        quantile: float = typer.Option(
            0.99, "--quantile", min=0.5, max=0.9999, help="Threshold: this quantile of val scores."
        ),
        dims: int = typer.Option(64, "--dims", min=1, help="PCA dimensions of the reference bank."),
        per_source: int = typer.Option(400, "--per-source", min=1, help="References kept per source."),
        max_refs: int = typer.Option(1000, "--max-refs", min=1, help="References kept in all."),
        any_split: bool = typer.Option(
            False, "--any-split", help="Run even when the rebuilt split does not match the card's sha256."
        ),
    ) -> None:
        """Fit the feature-space gate that knows the training sources: images far from every training
        source are referred. Rewrites card.json and ood_bank.npz."""
        from medlens.card import CardError
        from medlens.data import DatasetFormatError
        from medlens.serving.source_gate_bundle import source_gate_for_bundle

        command = "medlens " + shlex.join(sys.argv[1:]) if sys.argv[1:] else ""
        try:
            gate = source_gate_for_bundle(
                model, data_root=data_root, strict=not any_split, command=command,
                k=k, quantile=quantile, dims=dims, per_source=per_source, max_refs=max_refs,
            )  # fmt: skip
        except (CardError, DatasetFormatError, ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        rate = "n/a" if gate.test_false_flag_rate is None else f"{gate.test_false_flag_rate:.1%}"
        typer.echo(
            f"{model}: threshold {gate.threshold:.4f} over {len(gate.sources)} source(s), "
            f"in-source test images flagged {rate} (n = {gate.n_test})"
        )

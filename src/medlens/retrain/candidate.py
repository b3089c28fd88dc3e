"""Train a candidate: the parent model's own training command, re-run with the confirmed-case dataset
added to the training split (``--extra-train``), then exported as a bundle whose card records the
parent version and the dataset version (:class:`medlens.card.Lineage`).

Val and test stay the original data's split (the split manifest, and so the card's fingerprint, is
that of the original data), so the candidate and the parent are compared on the same test images.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence
from pathlib import Path

from medlens.card import Lineage, ModelCard
from medlens.retrain.dataset import DatasetVersion

log = logging.getLogger(__name__)


class CandidateError(ValueError):
    """A candidate cannot be trained from this parent (says why)."""


def candidate_args(
    parent: ModelCard, dataset: DatasetVersion, run_dir: Path, overrides: Sequence[str] = ()
) -> list[str]:
    """``medlens train`` arguments: the parent's training command (its first ``&&`` part, data root
    resolved here), plus the dataset as ``--extra-train``, ``--out run_dir`` and ``overrides`` (later
    options win, e.g. ``--epochs 1``)."""
    from medlens.data.rebuild import facts_from_card

    if parent.heads:
        raise CandidateError(
            f"{parent.name}: retraining from verdicts needs a single-label model (it has heads)"
        )
    argv = shlex.split(parent.training_command.split("&&")[0]) if parent.training_command else []
    if argv[:2] != ["medlens", "train"]:
        raise CandidateError(f"{parent.name}: the card's training command is not a `medlens train` command")
    if dataset.manifest.get("classes") != list(parent.classes):
        raise CandidateError(
            f"dataset classes {dataset.manifest.get('classes')} differ from {parent.classes}"
        )
    try:
        facts = facts_from_card(parent)
    except ValueError as exc:
        raise CandidateError(str(exc)) from exc
    return [
        *argv[2:],
        "--data-root",
        str(facts.data_root),
        "--extra-train",
        str(dataset.path),
        "--out",
        str(run_dir),
        "--no-progress",
        *overrides,
    ]


def export_candidate(
    run_dir: Path,
    out_dir: Path,
    parent: ModelCard,
    dataset: DatasetVersion,
    card_version: str,
    parent_registry_version: int | None = None,
    latency_runs: int = 20,
    n_boot: int = 1000,
    command: str = "",
) -> ModelCard:
    """Export the finished run as a bundle named like the parent, version ``card_version``, with its
    lineage; CandidateError when its test split is not the parent's (nothing is left in ``out_dir``)."""
    import shutil

    from medlens.export import export_run

    card = export_run(
        run_dir, out_dir, name=parent.name, latency_runs=latency_runs, command=command, n_boot=n_boot
    )
    if card.data.fingerprint != parent.data.fingerprint:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise CandidateError(
            "the candidate's test split differs from the parent's (split fingerprints differ)"
        )
    card.version = card_version
    card.lineage = Lineage(
        parent_version=parent.version,
        parent_registry_version=parent_registry_version,
        dataset=str(dataset.path),
        dataset_version=dataset.version,
        dataset_sha256=dataset.sha256,
        n_confirmed=dataset.n_images,
    )
    card.save(out_dir)
    log.info("candidate %s v%s exported to %s", card.name, card_version, out_dir)
    return ModelCard.load(out_dir)

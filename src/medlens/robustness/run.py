"""``run_robustness``: bundle (+ optional reference bundle) -> report folder and card entry."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from medlens.card import CardError, ModelCard
from medlens.robustness.metrics import RobustnessSummary, corruption_errors, summarize
from medlens.robustness.report import card_entry, write_report
from medlens.robustness.sweep import load_test_sample, sweep
from medlens.serving.predictor import Predictor

log = logging.getLogger(__name__)


def run_robustness(
    model_dir: Path,
    dataset: str,
    data_root: Path,
    out_dir: Path,
    reference: Path | None = None,
    split: str = "grouped",
    seed: int = 0,
    n: int | None = 200,
    corruptions: Sequence[str] | None = None,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    label_dataset: str | None = None,
    strict_split: bool = True,
    write_card: bool = True,
    command: str = "",
    gate_max_drop: float | None = 0.05,
) -> RobustnessSummary:
    """Sweep the 75 conditions on a test sample, write the report, and (``write_card``) the card entry."""
    t0 = time.perf_counter()
    card = ModelCard.load(model_dir)
    predictors = {card.name: Predictor.from_card(card, threads=1)}
    ref_name = None
    if reference is not None:
        ref_card = ModelCard.load(reference)
        if ref_card.classes != card.classes:
            raise CardError(f"reference {reference} has classes {ref_card.classes}, model has {card.classes}")
        ref_name = f"{ref_card.name} ({ref_card.backbone}, {ref_card.preprocessing.input_size} px)"
        predictors[ref_name] = Predictor.from_card(ref_card, threads=1)
    sample = load_test_sample(
        dataset,
        data_root,
        split=split,
        seed=seed,
        fractions=fractions,
        n=n,
        expect_fingerprint=card.data.fingerprint,
        strict=strict_split,
        label_dataset=label_dataset,
    )
    res = sweep(predictors, sample, corruptions, corrupt_size=card.preprocessing.input_size, seed=seed)
    mine = res[card.name]
    ref = res.get(ref_name) if ref_name else None
    summary = summarize(
        float(1 - mine["clean"].mean()),
        corruption_errors(mine["corrupted"]),
        reference=ref_name,
        ref_clean_error=None if ref is None else float(1 - ref["clean"].mean()),
        ref_errors=None if ref is None else corruption_errors(ref["corrupted"]),
    )
    gate = None
    if gate_max_drop is not None:
        from medlens.robustness.gate import derive_gate
        from medlens.robustness.sweep import _prep

        accs = {c: [1 - e for e in v] for c, v in summary.errors.items()}
        base = _prep(sample.images, card.preprocessing.input_size)
        gate = derive_gate(1 - summary.clean_error, accs, base, gate_max_drop, seed)
    wall = time.perf_counter() - t0
    write_report(out_dir, card, summary, sample.description, command, wall, gate)
    if write_card:
        entry = card_entry(summary, sample.description, command, f"{out_dir}/accuracy_vs_severity.png")
        if gate is not None:
            entry["quality_gate"] = gate
        card.metrics["robustness"] = entry
        card.save(card.directory)
        log.info("wrote metrics.robustness into %s/card.json", card.directory)
    return summary


def gate_from_card(
    model_dir: Path,
    dataset: str,
    data_root: Path,
    split: str = "grouped",
    seed: int = 0,
    max_drop: float = 0.05,
    strict_split: bool = True,
) -> dict:
    """Derive the quality-gate thresholds from the curves already in ``metrics.robustness`` (no new
    sweep: the same test sample is rebuilt from the entry's size) and write them into the card."""
    from medlens.robustness.gate import derive_gate
    from medlens.robustness.sweep import _prep

    card = ModelCard.load(model_dir)
    entry = card.metrics.get("robustness")
    if not entry:
        raise CardError(f"{model_dir}: the card has no metrics.robustness (run medlens robustness first)")
    n = int(str(entry["sample"]).split(" of ")[0])
    sample = load_test_sample(
        dataset,
        data_root,
        split=split,
        seed=seed,
        n=n,
        expect_fingerprint=card.data.fingerprint,
        strict=strict_split,
    )
    gate = derive_gate(
        float(entry["clean_accuracy"]),
        entry["accuracy"],
        _prep(sample.images, card.preprocessing.input_size),
        max_drop,
        seed,
    )
    entry["quality_gate"] = gate
    card.save(card.directory)
    return gate

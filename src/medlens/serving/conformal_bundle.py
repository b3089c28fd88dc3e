"""``conformal_for_bundle``: a bundled model -> its card's ``conformal`` block and a short report.

The bundle's split is rebuilt from its card (:mod:`medlens.data.rebuild`, checked against the
manifest sha256), the served ONNX model (with its test-time views and temperature) scores the
validation split to fit the thresholds, and the test split measures coverage. Numpy + ONNX Runtime.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from medlens.card import CardError, ConformalBlock, ModelCard
from medlens.data.rebuild import RebuiltSplit, facts_from_card, rebuild_split
from medlens.serving.conformal import DEFAULT_ALPHA, fit_block
from medlens.serving.predictor import Predictor, softmax

log = logging.getLogger(__name__)


def split_probabilities(
    predictor: Predictor, split: RebuiltSplit, name: str, chunk: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated probabilities (as served) and labels of one split, decoding ``chunk`` images at a time."""
    idx = split.manifest.splits[name]
    samples = split.sample_set.samples
    logits = [
        predictor.logits_batch([samples[i].load_image() for i in idx[s : s + chunk]])
        for s in range(0, len(idx), chunk)
    ]
    z = np.concatenate(logits) if logits else np.zeros((0, len(predictor.card.classes)))
    return softmax(z, predictor.card.temperature), np.array([samples[i].label for i in idx], np.int64)


def conformal_for_bundle(
    model_dir: Path,
    alpha: float = DEFAULT_ALPHA,
    target_alpha: float | None = None,
    method: str = "aps",
    data_root: Path | None = None,
    strict: bool = True,
    command: str = "",
    write_card: bool = True,
) -> ConformalBlock:
    """Fit the conformal block on the bundle's validation split, measure it on test, save it in the card."""
    card = ModelCard.load(model_dir)
    if not card.label_schema().plain:
        raise CardError(f"{model_dir}: conformal sets need a single nominal head (this card has heads)")
    facts = facts_from_card(card, data_root)
    t0 = time.perf_counter()
    split = rebuild_split(facts, card.data.fingerprint, strict=strict)
    if list(split.sample_set.classes) != list(card.classes):
        raise CardError(
            f"{facts.describe()}: classes {split.sample_set.classes} are not the card's {card.classes}"
        )
    predictor = Predictor.from_card(card, threads=1)
    (vp, vy), (tp, ty) = (split_probabilities(predictor, split, k) for k in ("val", "test"))
    verified = "manifest sha256 matches the card" if split.verified else "manifest NOT verified"
    block = fit_block(
        vp,
        vy,
        card.classes,
        card.thresholds.target_class,
        alpha=alpha,
        target_alpha=target_alpha,
        method=method,
        test=(tp, ty),
        calibration=f"val split of {facts.describe()}, {verified}",
        command=command,
    )
    log.info("%s: conformal block fitted in %.0f s", card.name, time.perf_counter() - t0)
    if write_card:
        card.conformal = block
        card.save(card.directory)
        log.info("wrote conformal into %s/card.json", card.directory)
    return block


def _ci(c: dict) -> str:
    return f"{c['value']:.3f} (95 % Wilson CI {c['ci_low']:.3f}–{c['ci_high']:.3f}, n = {c['n']})"


def report_text(name: str, block: ConformalBlock) -> str:
    """A short Markdown report: thresholds, test coverage with CI, set sizes, the command."""
    t = block.test
    q = "∞ (every class kept)" if block.qhat is None else f"{block.qhat:.4f}"
    lines = [
        f"# Conformal prediction sets: {name}",
        "",
        f"- Score: {block.method.upper()}, alpha = {block.alpha} (target: the true class is in the set "
        f"for >= {1 - block.alpha:.0%} of images)",
        f"- Calibration: {block.calibration}; {block.n_calibration} images, threshold qhat = {q}",
    ]
    if block.target_class:
        tq = "∞ (always kept)" if block.target_qhat is None else f"{block.target_qhat:.4f}"
        lines.append(
            f"- Target class `{block.target_class}`: class-conditional alpha = {block.target_alpha}, "
            f"{block.n_calibration_target} calibration images, threshold {tq}"
        )
    if t:
        lines += [
            "",
            f"## Test split ({t['n']} images)",
            "",
            f"- Coverage: {_ci(t['coverage'])}",
        ]
        if "target_coverage" in t:
            lines.append(f"- Coverage on `{block.target_class}` images: {_ci(t['target_coverage'])}")
        lines += [
            f"- Mean set size: {t['mean_set_size']:.3f}; single-class sets: {t['singleton_rate']:.1%} "
            "(the rest abstain and refer)",
            f"- Set sizes: {', '.join(f'{k}: {v}' for k, v in t['set_size_counts'].items() if v)}",
        ]
        low, high = t["coverage"]["ci_high"] < 1 - block.alpha, t["coverage"]["ci_low"] > 1 - block.alpha
        lines.append(
            f"- Within noise of the target {1 - block.alpha:.0%}: "
            + (
                "**no** (the CI lies below it)"
                if low
                else "yes (the CI lies above it)"
                if high
                else "yes (the CI holds it)"
            )
            + (
                "; every set is the arg-max class alone (it alone already reaches the target, and a set "
                "is never smaller than one class), so at this alpha the set never makes the model abstain "
                "(the OOD gate still can; a smaller --alpha gives informative sets)"
                if t["mean_set_size"] <= 1.0001
                else ""
            )
        )
    lines += ["", "Command:", "", "```", block.command or "(not recorded)", "```", ""]
    return "\n".join(lines)

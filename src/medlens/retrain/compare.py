"""Candidate vs current model on the current model's own fixed test split: a paired bootstrap of the
difference (candidate minus current) in accuracy and macro AUROC, and the promotion rule.

Promotion rule ("not worse")
----------------------------
A candidate may replace the served model only when, for **every** compared metric, the lower end of
the 95% paired-bootstrap interval of ``candidate - current`` is at least ``-margin``
(:data:`DEFAULT_MARGIN` = 0.02, i.e. two percentage points of accuracy or 0.02 AUROC). Both models
score the same test images (the split the current model's card records, rebuilt and checked by its
sha256) and the resamples draw the same rows for both, so the interval is that of the difference.
An undefined interval (e.g. one class only) never allows promotion.

No torch: the web app runs this in a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from medlens.experiments.compare import PAIRED_METRICS, paired_difference

log = logging.getLogger(__name__)

DEFAULT_MARGIN = 0.02
METRICS = ("accuracy", "auroc_macro")
RULE = "promote only if, for every metric, the 95% CI lower bound of (candidate - current) >= -margin"


class ComparisonError(ValueError):
    """The two models cannot be compared (another split, several heads, data absent): says why."""


def not_worse(difference: dict[str, Any], margin: float) -> bool:
    """The promotion rule on ``paired_difference``'s result (see the module docstring)."""
    if "skipped" in difference or not difference:
        return False
    lows = [float(d["ci_low"]) for d in difference.values()]
    return all(np.isfinite(lo) and lo >= -margin for lo in lows)


def compare_probabilities(
    y: np.ndarray,
    p_candidate: np.ndarray,
    p_current: np.ndarray,
    split_fingerprint: str = "",
    margin: float = DEFAULT_MARGIN,
    metrics: Sequence[str] = METRICS,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """The comparison record: each model's point metrics, the paired difference with its 95% CI, the
    margin, the rule and the decision (``not_worse``)."""
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    y = np.asarray(y)
    diff = paired_difference(
        (y, np.asarray(p_candidate), split_fingerprint),
        (y, np.asarray(p_current), split_fingerprint),
        metrics=tuple(metrics),
        n_boot=n_boot,
        seed=seed,
    )
    points = {
        m: {
            "candidate": float(PAIRED_METRICS[m](y, np.asarray(p_candidate))),
            "current": float(PAIRED_METRICS[m](y, np.asarray(p_current))),
        }
        for m in metrics
    }
    return {
        "n_test": len(y),
        "split_fingerprint": split_fingerprint,
        "metrics": points,
        "difference": diff,
        "margin": float(margin),
        "n_boot": int(n_boot),
        "rule": RULE,
        "not_worse": not_worse(diff, margin),
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _check_comparable(current: Any, candidate: Any) -> None:
    for card in (current, candidate):
        if card.heads:
            raise ComparisonError(
                f"{card.name}: models with several heads are not compared (no single label)"
            )
    if list(current.classes) != list(candidate.classes):
        raise ComparisonError(f"classes differ: {current.classes} vs {candidate.classes}")
    if not current.data.fingerprint:
        raise ComparisonError(f"{current.name}: the card records no split fingerprint; no fixed test split")
    if candidate.data.fingerprint != current.data.fingerprint:
        raise ComparisonError(
            "the candidate was tested on another split than the current model (fingerprints differ)"
        )


def fixed_test_split(card: Any) -> tuple[list[np.ndarray], np.ndarray]:
    """The test images and labels of ``card``'s split, rebuilt and checked against its fingerprint."""
    from medlens.data.rebuild import facts_from_card, rebuild_split

    try:
        facts = facts_from_card(card)
        rebuilt = rebuild_split(facts, card.data.fingerprint, strict=True)
    except (OSError, ValueError) as exc:
        raise ComparisonError(f"cannot rebuild the test split of {card.name}: {exc}") from exc
    images, labels = rebuilt.images_and_labels("test")
    return images, np.asarray(labels)


def compare_cards(
    current: Any, candidate: Any, margin: float = DEFAULT_MARGIN, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Score both bundles (``ModelCard``) on the current card's test split and compare them."""
    from medlens.serving import Predictor
    from medlens.serving.predictor import softmax

    _check_comparable(current, candidate)
    images, y = fixed_test_split(current)
    if len(y) == 0:
        raise ComparisonError(f"{current.name}: empty test split")
    probs = []
    for card in (candidate, current):
        predictor = Predictor.from_card(card)
        probs.append(softmax(predictor.logits_batch(images), card.temperature))
    log.info("compared %s vs %s on %d test images", candidate.version, current.version, len(y))
    return compare_probabilities(
        y, probs[0], probs[1], current.data.fingerprint, margin, n_boot=n_boot, seed=seed
    )

"""A measured verdict as one sentence in a model card's limits (issue 12, point 3).

``medlens audit-shortcuts --card`` (or :func:`add_audit_limit`) replaces an earlier "Shortcut audit"
sentence of the card, so re-running the audit never stacks stale verdicts; :func:`put_limit` does the same
for any prefix (``benchmarks/explain_faithfulness.py --card``: "Heatmap faithfulness (").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

PREFIX = "Shortcut audit ("


def audit_sentence(result: Mapping[str, Any], report: str, strong: float = 0.2, delta: float = 0.05) -> str:
    """What the audit found, in one sentence: label-predicting probes and the edits that move P(target)."""
    parts: list[str] = []
    for source, probes in result.get("label_association", {}).items():
        hits = [
            (name, r["auroc"]["value"])
            for name, r in probes.items()
            if r.get("auroc")
            and (r.get("strength") or 0) >= strong
            and (r["auroc"]["ci_low"] > 0.5 or r["auroc"]["ci_high"] < 0.5)
        ]
        hits.sort(key=lambda t: -abs(t[1] - 0.5))
        if hits:
            listed = ", ".join(f"{n} {a:.2f}" for n, a in hits[:3])
            parts.append(f"within {source} acquisition/colour probes predict the label (AUROC {listed})")
    moved = []
    for edit, rows in result.get("counterfactual", {}).items():
        for who, r in rows.items():
            d = r["delta_p"]
            if abs(d["value"]) >= delta and (d["ci_low"] > 0 or d["ci_high"] < 0):
                moved.append(
                    (
                        abs(d["value"]),
                        f"{edit} on {who} ΔP {d['value']:+.2f} ({100 * r['flipped']:.0f} % flip)",
                    )
                )
    moved.sort(reverse=True)
    if moved:
        parts.append("acquisition-only edits move the model: " + "; ".join(m for _, m in moved[:3]))
    found = (
        "; ".join(parts)
        if parts
        else "no probe predicts the label and no edit moves the model beyond the limits"
    )
    split = result.get("split", "")
    where = "all splits" if split == "all" else f"the {split} split"
    return f"{PREFIX}{report}, {result.get('n', '?')} images of {where}): {found}."


def put_limit(model_dir: Path, prefix: str, sentence: str) -> str:
    """Put ``sentence`` into the card's limitations, replacing an earlier one that starts with ``prefix``."""
    from medlens.card import ModelCard

    if not sentence.startswith(prefix):
        raise ValueError(f"the sentence must start with {prefix!r}")
    card = ModelCard.load(model_dir)
    kept = [s for s in card.limitations if not s.startswith(prefix)]
    # before the closing boilerplate (medical-device and OOD notes) so the card reads finding-first
    tail = [s for s in kept if s.startswith(("Not a medical device", "Inputs far from"))]
    card.limitations = [s for s in kept if s not in tail] + [sentence] + tail
    card.save(card.directory)
    return sentence


def add_audit_limit(model_dir: Path, result: Mapping[str, Any], report: str) -> str:
    """Put the audit sentence into the card's limitations (replacing an earlier one); returns it."""
    return put_limit(model_dir, PREFIX, audit_sentence(result, report))

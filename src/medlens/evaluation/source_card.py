"""In-source and cross-source rows of a model card (``card.metrics["cross_source"]``), issue 12.

Every image model's card carries its figures on its own test images *and* on images of a source it
never saw, side by side, so that an in-source number is never read alone. The rows are written by the
benchmark that measured them (``--card``); a model for which no second source with the same classes
exists here says so in ``note`` instead of showing an empty table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

Interval = tuple[float, float, float]  # value, low, high (95 % bootstrap)

COLUMNS = ("auroc", "sensitivity", "specificity")


def ci(v: Interval | None) -> dict[str, float] | None:
    """``(value, low, high)`` as the card's ``{"value", "ci_low", "ci_high"}``."""
    if v is None:
        return None
    return {"value": round(float(v[0]), 4), "ci_low": round(float(v[1]), 4), "ci_high": round(float(v[2]), 4)}


def source_row(
    data: str,
    role: str,
    n: int,
    n_target: int | None,
    auroc: Interval | None = None,
    sensitivity: Interval | None = None,
    specificity: Interval | None = None,
    *,
    source: str | None = None,
    accuracy: Interval | None = None,
) -> dict[str, Any]:
    """One row: a test set, whether the model trained on its source, and target-vs-rest figures.

    ``source`` is the adapter's source name (e.g. ``melanoma_10000``) when the row covers exactly one,
    so that readers such as ``medlens leaderboard`` can place it under that source's benchmark;
    ``accuracy`` is the arg-max accuracy on the row's images when it was measured.
    """
    if role not in ("in-source", "cross-source"):
        raise ValueError(f"role must be in-source or cross-source, got {role!r}")
    row: dict[str, Any] = {
        "data": data,
        "role": role,
        "n": int(n),
        "n_target": None if n_target is None else int(n_target),
        "auroc": ci(auroc),
        "sensitivity": ci(sensitivity),
        "specificity": ci(specificity),
    }
    if source is not None:
        row["source"] = source
    if accuracy is not None:
        row["accuracy"] = ci(accuracy)
    return row


def card_test_row(card: Any, data: str) -> dict[str, Any]:
    """The in-source row from the card's own test metrics (target AUROC, sensitivity, specificity)."""
    test = card.metrics.get("test", {})

    def get(key: str) -> Interval | None:
        e = test.get(key)
        return (e["value"], e["ci_low"], e["ci_high"]) if isinstance(e, dict) else None

    return source_row(
        data,
        "in-source",
        int(card.data.n_test or 0),
        None,
        get("target_auroc"),
        get("target_sensitivity"),
        get("target_specificity"),
    )


def write_source_block(
    model_dir: Path, rows: Sequence[dict[str, Any]], report: str, command: str, note: str = ""
) -> dict[str, Any]:
    """Store the rows in the card at ``model_dir`` (``metrics.cross_source``) and return the block."""
    from medlens.card import ModelCard

    card = ModelCard.load(model_dir)
    block = {
        "target": card.thresholds.target_class,
        "threshold": card.thresholds.threshold,
        "rows": list(rows),
        "report": report,
        "command": command,
        "note": note,
    }
    card.metrics["cross_source"] = block
    card.save(card.directory)
    return block


def _cell(v: dict[str, float] | None) -> str:
    return "-" if not v else f"{v['value']:.3f} ({v['ci_low']:.3f}–{v['ci_high']:.3f})"


def _n(row: dict[str, Any]) -> str:
    return str(row["n"]) if row["n_target"] is None else f"{row['n']} ({row['n_target']})"


def source_table(cards: Sequence[Any]) -> str:
    """Markdown: every card's in-source and cross-source rows (target vs rest, at the card threshold)."""
    lines = [
        "| model | test set | role | n (target) | AUROC | target sensitivity @ threshold | specificity @ threshold |",
        "|---|---|---|---|---|---|---|",
    ]
    for card in cards:
        block = card.metrics.get("cross_source") or {}
        for r in block.get("rows", []):
            lines.append(
                f"| {card.name} | {r['data']} | {r['role']} | {_n(r)} | {_cell(r['auroc'])} | "
                f"{_cell(r['sensitivity'])} | {_cell(r['specificity'])} |"
            )
        if block.get("note"):
            lines.append(f"| {card.name} | {block['note']} | | | | | |")
        if not block:
            lines.append(f"| {card.name} | not measured | | | | | |")
    return "\n".join(lines)

"""Regenerate the model table and per-model details in models/README.md from the bundled cards.

    .venv/bin/python scripts/models_readme.py

Only the text between ``<!-- MODELS TABLE -->`` and the heading ``## Checks that could not be run here``
is rewritten; the hand-written sections after it stay as they are.
"""

from __future__ import annotations

import logging
from pathlib import Path

from medlens.card import ModelCard
from medlens.evaluation.source_card import source_table
from medlens.serving.summary import card_details, models_table

ROOT = Path(__file__).resolve().parents[1] / "models"
ORDER = {"chest-xray": 0, "chest-xray-covid": 1, "melanoma": 2, "skin-lesion": 3}
START = "<!-- MODELS TABLE -->"
END = "## Checks that could not be run here"


def main() -> None:
    cards = [
        ModelCard.load(p.parent)
        for p in sorted(ROOT.glob("*/card.json"))
        if (p.parent / "model.onnx").exists()
    ]
    cards.sort(key=lambda c: ORDER.get(c.name, 9))
    readme = (ROOT / "README.md").read_text()
    head, rest = readme.split(START, 1)
    tail = rest[rest.index(END) :]
    table = (
        "## Models\n\nTest metrics of the served ONNX bundle, calibrated probabilities, 95% bootstrap CIs in "
        "brackets; target = the screening class (pneumonia, malignant, mel).\n\n" + models_table(cards)
    )
    table += (
        "\n\n## In-source and cross-source\n\nEach model on its own test images (in-source) and on images of a "
        "source it never trained on (cross-source), target class vs the rest at the card's threshold, 95% "
        "bootstrap CIs; `card.json` → `metrics.cross_source` holds the rows, the command and the report.\n\n"
        + source_table(cards)
    )
    details = "## Details per model\n\n" + "\n".join(card_details(c) for c in cards)
    (ROOT / "README.md").write_text(f"{head}{START}\n{table}\n\n<!-- MODEL DETAILS -->\n{details}\n{tail}")
    logging.getLogger(__name__).info("models/README.md: %s", [c.name for c in cards])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()

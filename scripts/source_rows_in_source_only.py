"""Cards of models with no second source here: the in-source row from the card's own test metrics and a
note saying why no cross-source row exists (issue 12: the card says so instead of leaving it out).

    .venv/bin/python scripts/source_rows_in_source_only.py
"""

from __future__ import annotations

from pathlib import Path

from medlens.card import ModelCard
from medlens.evaluation.source_card import card_test_row, write_source_block

ROOT = Path(__file__).resolve().parents[1]
NOTES = {
    "herpes-zoster": (
        "no cross-source row: the DermNet subset is the only clinical-photo set with herpes zoster here "
        "(one atlas, one source); expect lower figures on patients' phone photos"
    ),
    "scalp-conditions": (
        "no cross-source row: scalp_hair_14class is the only labelled scalp-condition set here (one "
        "collection of unknown origin); expect lower figures on other cameras and clinics"
    ),
}


def main() -> None:
    for name, note in NOTES.items():
        bundle = ROOT / "models" / name
        card = ModelCard.load(bundle)
        row = card_test_row(card, f"{card.data.dataset} test split ({card.data.n_test})")
        write_source_block(bundle, [row], "", "python scripts/source_rows_in_source_only.py", note)


if __name__ == "__main__":
    main()

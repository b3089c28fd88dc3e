"""The capture-quality gate of a bundled model's images, as the web upload applies it (torch-free).

``medlens predict`` and batch screening use it so that a photo the service would refuse (an X-ray given to
a skin model, a blurred or dark photo) is not screened silently from the command line either."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from medlens.card import ModelCard
from medlens.quality.assess import QualityReport, assess_quality
from medlens.quality.model_gate import ModelGate

__all__ = ["quality_check_for", "quality_row"]


def quality_check_for(card: ModelCard) -> Callable[[np.ndarray], QualityReport] | None:
    """``check(rgb) -> QualityReport`` with the card's task modality, input size and model-derived limits;
    None when the card's task is not registered here (its modality is then unknown)."""
    from medlens.tasks import get_task

    try:
        modality = get_task(card.task).modality
    except (KeyError, ValueError):
        return None
    return partial(
        assess_quality,
        modality=modality,
        min_side=card.preprocessing.input_size,
        model_gate=ModelGate.from_card(card),
    )


def quality_row(report: QualityReport, lang: str = "en") -> dict[str, object]:
    """The fields a screening row carries: ``quality_ok``, ``quality_issues`` (codes, space-separated) and
    ``quality_advice`` (what is wrong and how to retake it, in ``lang``)."""
    return {
        "quality_ok": report.ok,
        "quality_issues": " ".join(report.codes),
        "quality_advice": report.advice(lang),
    }

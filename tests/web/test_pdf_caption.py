"""The PDF report's image caption names the heatmap only when the report shows one."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from medlens.web.i18n import translate
from medlens.web.pdf import render_case_pdf


def _png(value: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _summary() -> dict:
    return {
        "id": 7,
        "task_title": "Skin lesion",
        "created_at": "2026-12-07 00:00",
        "model": "skin-lesion",
        "label_title": "Nevus",
        "probabilities": [{"title": "Nevus", "p": 0.9}, {"title": "Melanoma", "p": 0.1}],
        "replies": [],
        "disclaimer": "Screening only, not a diagnosis.",
    }


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", " ")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_caption_follows_the_heatmap(lang: str) -> None:
    squash = lambda s: "".join(s.split())  # noqa: E731 - extraction may break lines and spaces
    with_map = squash(_text(render_case_pdf(_summary(), _png(120), _png(200), lang)))
    without = squash(_text(render_case_pdf(_summary(), _png(120), None, lang)))
    heat, plain = (
        squash(translate(lang, "case.images_caption")),
        squash(translate(lang, "case.image_caption_plain")),
    )
    assert heat in with_map and plain not in with_map
    assert plain in without and heat not in without

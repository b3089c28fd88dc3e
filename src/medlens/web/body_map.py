"""The body map of the upload form: a front and a back figure whose regions are the lesion body-site codes
(:data:`medlens.web.services.lesions.LESION_SITES`). Each region is one SVG path; several paths can share a
code (both arms are ``upper_extremity``). Shapes only: names come from the i18n catalog, the select beside
the map is the control itself (the map sets it, and works without it)."""

from __future__ import annotations

from dataclasses import dataclass


def ellipse(cx: float, cy: float, rx: float, ry: float) -> str:
    """An ellipse as path data (two arcs)."""
    return f"M{cx - rx:g},{cy} a{rx:g},{ry:g} 0 1 0 {2 * rx:g},0 a{rx:g},{ry:g} 0 1 0 {-2 * rx:g},0 Z"


@dataclass(frozen=True)
class Region:
    site: str  # a LESION_SITES code
    d: str  # SVG path data in the 120 x 250 figure


_LIMBS = (
    Region("upper_extremity", "M34,52 L26,56 L16,112 L25,115 L36,72 Z"),
    Region("upper_extremity", "M86,52 L94,56 L104,112 L95,115 L84,72 Z"),
    Region("hand", ellipse(20.5, 123, 6, 9)),
    Region("hand", ellipse(99.5, 123, 6, 9)),
    Region("foot", ellipse(51, 233, 9, 5)),
    Region("foot", ellipse(69, 233, 9, 5)),
    Region("ear", ellipse(41, 25, 3, 5)),
    Region("ear", ellipse(79, 25, 3, 5)),
    Region("neck", "M53,41 L67,41 L68,52 L52,52 Z"),
)
FRONT = (
    Region("scalp", "M44,22 A16,16 0 0 1 76,22 Z"),
    Region("face", "M44,22 L76,22 Q76,42 60,42 Q44,42 44,22 Z"),
    Region("chest", "M34,52 L86,52 L84,88 L36,88 Z"),
    Region("abdomen", "M36,88 L84,88 L81,122 L39,122 Z"),
    Region("genital", "M52,122 L68,122 L60,136 Z"),
    Region("lower_extremity", "M39,122 L52,122 L60,136 L58,226 L45,226 L40,150 Z"),
    Region("lower_extremity", "M81,122 L68,122 L60,136 L62,226 L75,226 L80,150 Z"),
    *_LIMBS,
)
BACK = (
    Region("scalp", "M44,22 A16,16 0 0 1 76,22 Q76,42 60,42 Q44,42 44,22 Z"),
    Region("back", "M34,52 L86,52 L84,88 L81,122 L39,122 L36,88 Z"),
    Region("lower_extremity", "M39,122 L60,122 L58,226 L45,226 L40,150 Z"),
    Region("lower_extremity", "M81,122 L60,122 L62,226 L75,226 L80,150 Z"),
    *_LIMBS,
)
VIEWS = (("front", FRONT), ("back", BACK))

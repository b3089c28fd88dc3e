"""Overlay picture for an ABCD analysis: outline, principal axes and a legend of the colours found."""

from __future__ import annotations

import textwrap

import cv2
import numpy as np

from medlens.lesion.colors import DERMOSCOPIC_COLORS
from medlens.lesion.geometry import Axes


def draw_overlay(
    image_rgb: np.ndarray,
    mask: np.ndarray,
    axes: Axes | None,
    colors: list[str],
    caption: str,
    ok: bool = True,
) -> np.ndarray:
    """RGB uint8 picture: green (red when failed) outline, yellow major / cyan minor axis, colour legend."""
    out = image_rgb.copy()
    h, w = out.shape[:2]
    thick = max(1, round(max(h, w) / 250))
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(out, contours, -1, (0, 220, 0) if ok else (230, 30, 30), thick + 1)
    if axes is not None:
        for vec, sd, col in (
            (axes.major, axes.sd_major, (255, 230, 0)),
            (axes.minor, axes.sd_minor, (0, 230, 255)),
        ):
            half = 2.2 * sd
            p1 = (round(axes.cx - vec[0] * half), round(axes.cy - vec[1] * half))
            p2 = (round(axes.cx + vec[0] * half), round(axes.cy + vec[1] * half))
            cv2.line(out, p1, p2, col, thick, cv2.LINE_AA)
    scale = max(0.35, max(h, w) / 900)
    box = max(8, round(max(h, w) / 30))
    y = h - 6
    for name in reversed(colors):
        rgb = DERMOSCOPIC_COLORS[name]
        cv2.rectangle(out, (6, y - box), (6 + box, y), rgb, -1)
        cv2.rectangle(out, (6, y - box), (6 + box, y), (255, 255, 255), 1)
        cv2.putText(out, name, (10 + box, y - 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(
            out, name, (10 + box, y - 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA
        )
        y -= box + 4
    (cw, th), _ = cv2.getTextSize("M", cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    lines = textwrap.wrap(caption, width=max(10, (w - 10) // max(cw, 1))) or [""]
    for i, line in enumerate(lines):
        (tw, _), _ = cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = i * (th + 8)
        cv2.rectangle(out, (0, top), (min(w, tw + 10), top + th + 8), (0, 0, 0), -1)
        cv2.putText(
            out, line, (5, top + th + 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA
        )
    return out

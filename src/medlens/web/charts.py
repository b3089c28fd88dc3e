"""Server-rendered inline SVG charts (no JavaScript, no CDN), with titles for screen readers."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markupsafe import Markup


def _formatter(value_fmt: str | Callable[[float], str]) -> Callable[[float], str]:
    return value_fmt if callable(value_fmt) else value_fmt.format


def _text_px(text: str) -> float:
    """Rough rendered width at 15 px: wide (CJK/Hangul) glyphs count double."""
    return sum(15.0 if ord(ch) > 0x2E80 else 8.5 for ch in text)


def bar_chart(
    items: list[tuple[str, float]],
    title: str,
    value_fmt: str | Callable[[float], str] = "{:.0%}",
    max_value: float | None = None,
    highlight: str | None = None,
    width: int = 560,
) -> Markup:
    """Horizontal bars: one row per (label, value). Accessible via <title>/<desc> and role=img.

    ``value_fmt``: a format string or a function (e.g. ``format_probability``, never "100 %")."""
    fmt = _formatter(value_fmt)
    row_h, pad = 34, 8
    label_w = int(min(260, max(60, max((_text_px(label) for label, _ in items), default=60) + 16)))
    height = pad * 2 + row_h * max(1, len(items))
    top = max_value if max_value is not None else max([v for _, v in items] + [1e-9])
    bar_w = width - label_w - 90
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    desc = "; ".join(f"{label}: {fmt(v)}" for label, v in items)
    parts.append(f"<desc>{escape(desc)}</desc>")
    for i, (label, value) in enumerate(items):
        y = pad + i * row_h
        w = 0 if top <= 0 else max(2.0, bar_w * float(value) / top)
        cls = "bar hl" if highlight is not None and label == highlight else "bar"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 22}" text-anchor="end" class="lbl">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" rx="4" class="{cls}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 22}" class="val">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def diverging_bar_chart(
    items: list[tuple[str, float]],
    title: str,
    raises: str,
    lowers: str,
    value_fmt: str = "{:+.2f}",
    width: int = 640,
) -> Markup:
    """Horizontal bars left (-) / right (+) of a zero line, one row per (label, signed value).

    Colour is never the only cue: every value is printed with its sign and a "+"/"−" word in <desc>."""
    row_h, pad, head = 34, 8, 26
    label_w = int(min(300, max(60, max((_text_px(label) for label, _ in items), default=60) + 16)))
    height = head + pad * 2 + row_h * max(1, len(items))
    top = max([abs(v) for _, v in items] + [1e-9])
    half = (width - label_w - 20) / 2 - 50  # room for the value text on each side
    zero = label_w + 10 + (width - label_w - 20) / 2
    parts = [
        f'<svg class="chart diverging" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    desc = "; ".join(f"{label}: {value_fmt.format(v)} ({raises if v > 0 else lowers})" for label, v in items)
    parts.append(f"<desc>{escape(desc)}</desc>")
    parts.append(
        f'<text x="{zero - 8:.1f}" y="18" text-anchor="end" class="lbl lowers">− {escape(lowers)}</text>'
        f'<text x="{zero + 8:.1f}" y="18" class="lbl raises">{escape(raises)} +</text>'
    )
    for i, (label, value) in enumerate(items):
        y = head + pad + i * row_h
        w = max(2.0, half * abs(float(value)) / top)
        x, cls = (zero, "bar up") if value > 0 else (zero - w, "bar down")
        tx, anchor = (zero + w + 6, "start") if value > 0 else (zero - w - 6, "end")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 22}" text-anchor="end" class="lbl">{escape(label)}</text>'
            f'<rect x="{x:.1f}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" rx="4" class="{cls}"/>'
            f'<text x="{tx:.1f}" y="{y + 22}" text-anchor="{anchor}" class="val">'
            f"{escape(value_fmt.format(value))}</text>"
        )
    parts.append(
        f'<line x1="{zero:.1f}" y1="{head}" x2="{zero:.1f}" y2="{height - 2}" class="axis" stroke="#111" '
        'stroke-width="2"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))

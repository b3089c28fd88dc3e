"""PDF screening report (reportlab): image, heatmap, probabilities, risk, model, clinician reply, disclaimer.

Korean text needs a Korean-capable font: a NanumGothic TTF when installed (Debian ``fonts-nanum``),
otherwise reportlab's built-in CID font ``HYSMyeongJo-Medium`` (no font file needed).
"""

from __future__ import annotations

import io
import logging
import subprocess
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from medlens import __version__
from medlens.web.formatting import format_probability
from medlens.web.i18n import translate

log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf"),
)
CID_FALLBACK = "HYSMyeongJo-Medium"


def _fc_list_korean_ttf() -> Path | None:
    try:
        out = subprocess.run(
            ["fc-list", ":lang=ko", "file"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        path = Path(line.split(":")[0].strip())
        if path.suffix.lower() == ".ttf" and path.exists():
            return path
    return None


@lru_cache(maxsize=1)
def korean_font() -> str:
    """Register and return the name of a font that can draw Hangul."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    candidates = [p for p in FONT_CANDIDATES if p.exists()]
    found = _fc_list_korean_ttf()
    if found:
        candidates.append(found)
    for path in candidates:
        try:
            pdfmetrics.registerFont(TTFont("MedlensKorean", str(path)))
            return "MedlensKorean"
        except Exception as exc:  # some TTFs (CFF outlines, collections) are not supported
            log.info("font %s not usable by reportlab: %s", path, exc)
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK


def _prob_table(summary: dict[str, Any], font: str):  # type: ignore[no-untyped-def]
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    rows = [
        [p["title"], format_probability(p["p"]), "█" * max(1, round(p["p"] * 30))]
        for p in summary["probabilities"]
    ]
    table = Table(rows, colWidths=[200, 60, 200])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("TEXTCOLOR", (2, 0), (2, -1), colors.HexColor("#1d4ed8")),
                ("GRID", (0, 0), (1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def render_case_pdf(summary: dict[str, Any], image_png: bytes, heatmap_png: bytes | None, lang: str) -> bytes:
    """Build the report for one case summary (see ``presenters.case_summary``) and return PDF bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table

    font = korean_font()
    t = lambda key, **kw: translate(lang, key, **kw)  # noqa: E731
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=16)
    note = ParagraphStyle(
        "note", fontName=font, fontSize=11, leading=16, borderPadding=6, backColor="#fff4d6", spaceBefore=10
    )

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    story: list[Any] = [
        para(t("pdf.title"), h1),
        para(f"{t('case.case')} #{summary['id']} · {summary['task_title']} · {summary['created_at']}"),
        para(f"{t('case.model')}: {summary['model']} · medlens {__version__}"),
        Spacer(1, 4 * mm),
    ]
    imgs = [Image(io.BytesIO(image_png), width=70 * mm, height=70 * mm, kind="proportional")]
    if heatmap_png:
        imgs.append(Image(io.BytesIO(heatmap_png), width=70 * mm, height=70 * mm, kind="proportional"))
    story.append(Table([imgs]))
    if heatmap_png and summary.get("heatmap_empty"):  # an all-zero map is said in words, as on the page
        story.append(para(t("case.images_caption_empty", label=summary.get("heatmap_title", "")), body))
    else:
        story.append(para(t("case.images_caption" if heatmap_png else "case.image_caption_plain"), body))
    story.append(para(t("case.result"), h2))
    message = summary.get("message")
    if summary.get("risk_label"):
        story.append(para(summary["risk_label"], h2 if message is not None and message.abstain else body))
        story.append(para(summary.get("advice") or ""))
    for reason in summary.get("review_reasons") or []:
        story.append(para(f"• {reason}"))
    story.append(para(f"{t('case.top_label')}: {summary['label_title']}"))
    if summary.get("label_note"):
        story.append(para(summary["label_note"]))
    if message is not None and message.set_titles:
        story.append(para(f"{t('message.set')}: {', '.join(message.set_titles)}"))
        if message.coverage:
            story.append(para(t("message.set_note", coverage=format_probability(message.coverage))))
    story.append(para(t("case.probabilities"), h2))
    if summary.get("heads"):
        for head in summary["heads"]:
            story.append(para(f"{head['title']}: {head['label_title']} ({format_probability(head['p'])})"))
    else:
        story.append(_prob_table(summary, font))
    for d in summary.get("derived") or []:
        story.append(para(d.title, h2))
        story.append(para(d.headline))
        for sub, text in d.items:
            story.append(para(f"{sub}: {text}"))
        if d.note:
            story.append(para(d.note, note))
    lesion = summary.get("lesion")
    if lesion:
        story.append(para(t("abcd.title"), h2))
        story.append(
            para(
                f"A {lesion['asymmetry']}/2 · B {lesion['border']}/8 · C {len(lesion['colors'])} · "
                f"D {lesion['diameter_score']}/5 · TDS {lesion['tds']:.1f}"
            )
        )
        story.append(para(t("abcd.features_only")))
    story.append(para(t("case.clinician_reply"), h2))
    if summary["replies"]:
        for r in summary["replies"]:
            story.append(para(f"{r['at']} · {r['author']}"))
            story.append(para(r["body"]))
        if summary.get("feedback_title"):
            story.append(para(f"{t('case.confirmed_label')}: {summary['feedback_title']}"))
    else:
        story.append(para(t("case.no_reply")))
    story.append(para(summary["disclaimer"], note))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=f"medlens case {summary['id']}",
        author="medlens",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )
    doc.build(story)
    return buf.getvalue()

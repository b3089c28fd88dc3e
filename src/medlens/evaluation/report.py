"""Run reports: ``report.md`` plus a self-contained ``report.html`` (PNGs embedded as base64)."""

from __future__ import annotations

import base64
import html
import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from medlens import DISCLAIMER_EN, __version__
from medlens.evaluation.markdown import markdown_to_html

__all__ = ["comparison_table_markdown", "format_value_ci", "metrics_table_markdown", "write_report"]

log = logging.getLogger(__name__)

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans KR", sans-serif; max-width: 1100px;
       margin: 2rem auto; padding: 0 1rem; color: #1f2933; line-height: 1.5; }
h1 { border-bottom: 2px solid #2563eb; padding-bottom: .3rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .7rem; }
th { background: #f1f5f9; }
tbody tr:nth-child(even) { background: #f8fafc; }
code { background: #f1f5f9; padding: .1rem .3rem; border-radius: 3px; font-size: .9em; }
pre { background: #f1f5f9; padding: .8rem; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
figure { margin: 1.5rem 0; text-align: center; }
figure img { max-width: 100%; border: 1px solid #e5e7eb; }
figcaption { color: #52606d; font-size: .9rem; }
.disclaimer { margin-top: 3rem; padding: .8rem 1rem; background: #fff7ed; border-left: 4px solid #f97316; }
.meta { color: #52606d; font-size: .85rem; }
"""


def _num(v: float, digits: int) -> str:
    return "n/a" if v is None or not math.isfinite(float(v)) else f"{float(v):.{digits}f}"


def format_value_ci(v: float | Mapping[str, float], digits: int = 3) -> str:
    """``0.912 [0.890, 0.931]`` for ``{value, ci_low, ci_high}``; just the value for a plain number."""
    if isinstance(v, Mapping):
        value = _num(v["value"], digits)
        lo, hi = v.get("ci_low"), v.get("ci_high")
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            return value
        return f"{value} [{_num(lo, digits)}, {_num(hi, digits)}]"
    return _num(v, digits)


def metrics_table_markdown(
    metrics_with_ci: Mapping[str, float | Mapping[str, float]], digits: int = 3, alpha: float = 0.05
) -> str:
    """Two-column Markdown table: metric | value [lo, hi] (the interval label is (1 - alpha) CI)."""
    level = f"{100 * (1 - alpha):g}% CI"
    rows = [f"| Metric | Value [{level}] |", "|---|---:|"]
    rows += [f"| {name} | {format_value_ci(v, digits)} |" for name, v in metrics_with_ci.items()]
    return "\n".join(rows)


def comparison_table_markdown(
    results: Mapping[str, Mapping[str, float | Mapping[str, float]]],
    metrics: Sequence[str] | None = None,
    digits: int = 3,
) -> str:
    """Run x metric Markdown table (one row per run), values formatted as in ``format_value_ci``."""
    runs = list(results)
    if metrics is None:
        metrics = list(dict.fromkeys(k for r in runs for k in results[r]))
    rows = ["| Run | " + " | ".join(metrics) + " |", "|---|" + "---:|" * len(metrics)]
    for run in runs:
        cells = [format_value_ci(results[run][m], digits) if m in results[run] else "n/a" for m in metrics]
        rows.append(f"| {run} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _caption(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ")


def write_report(
    run_dir: str | Path,
    title: str,
    sections: Sequence[tuple[str, str]],
    images: Sequence[str | Path],
    disclaimer: str = DISCLAIMER_EN,
) -> tuple[Path, Path]:
    """Write ``run_dir/report.md`` and a self-contained ``run_dir/report.html``; return both paths.

    ``sections`` are (heading, Markdown body) pairs; ``images`` PNG files shown under "Figures" (linked by
    relative path in the Markdown, embedded as base64 in the HTML). The screening disclaimer closes both.
    """
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    imgs = [Path(p) for p in images]
    for p in imgs:
        if not p.is_file():
            raise FileNotFoundError(f"report image {p} does not exist")
        if p.suffix.lower() != ".png":
            raise ValueError(f"report image {p} is not a PNG file")

    md = [f"# {title}", "", f"*medlens {__version__}*", ""]
    for heading, text in sections:
        md += [f"## {heading}", "", text.strip(), ""]
    if imgs:
        md += ["## Figures", ""]
        for p in imgs:
            rel = Path(os.path.relpath(p.resolve(), run.resolve())).as_posix()
            md += [f"![{_caption(p)}]({rel})", ""]
    md += ["---", "", f"**Disclaimer.** {disclaimer}", ""]
    md_path = run / "report.md"
    md_path.write_text("\n".join(md), encoding="utf-8")

    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="meta">medlens {html.escape(__version__)}</p>']
    for heading, text in sections:
        body.append(f"<section>\n<h2>{html.escape(heading)}</h2>\n{markdown_to_html(text)}\n</section>")
    if imgs:
        body.append("<section>\n<h2>Figures</h2>")
        for p in imgs:
            data = base64.b64encode(p.read_bytes()).decode("ascii")
            cap = html.escape(_caption(p))
            body.append(
                f'<figure><img alt="{cap}" src="data:image/png;base64,{data}"><figcaption>{cap}</figcaption></figure>'
            )
        body.append("</section>")
    body.append(f'<p class="disclaimer"><strong>Disclaimer.</strong> {html.escape(disclaimer)}</p>')
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{html.escape(title)}</title>\n'
        f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    html_path = run / "report.html"
    html_path.write_text(page, encoding="utf-8")
    log.info("wrote %s and %s", md_path, html_path)
    return md_path, html_path

"""Plots write PNGs of the expected size; reports write Markdown + self-contained HTML."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn import metrics as skm

from medlens import DISCLAIMER_EN
from medlens.evaluation import curves, plots
from medlens.evaluation import metrics as m
from medlens.evaluation.bootstrap import summary_with_ci
from medlens.evaluation.markdown import markdown_to_html
from medlens.evaluation.report import comparison_table_markdown, metrics_table_markdown, write_report

CLASSES = ["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]


@pytest.fixture
def case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n, c = 400, len(CLASSES)
    y = rng.integers(0, c, n)
    z = rng.normal(size=(n, c))
    z[np.arange(n), y] += 1.5
    p = np.exp(2 * z)
    return y, p / p.sum(1, keepdims=True)


def _png_size(path: Path) -> tuple[int, int]:
    assert path.is_file() and path.stat().st_size > 5_000, f"{path} missing or nearly empty"
    with Image.open(path) as im:
        assert im.format == "PNG"
        return im.size


def test_curves_match_sklearn(case: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = case
    yb, s = (y == 4).astype(int), np.round(p[:, 4], 2)
    fpr, tpr, thr = curves.roc_curve(yb, s)
    rf, rt, rthr = skm.roc_curve(yb, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, rf)
    np.testing.assert_allclose(tpr, rt)
    np.testing.assert_allclose(thr[1:], rthr[1:])
    prec, rec, pthr = curves.precision_recall_curve(yb, s)
    sp, sr, sthr = skm.precision_recall_curve(yb, s)
    # sklearn: increasing thresholds, final point (1, 0); ours: decreasing thresholds, first point (1, 0)
    np.testing.assert_allclose(prec, sp[::-1])
    np.testing.assert_allclose(rec, sr[::-1])
    np.testing.assert_allclose(pthr, sthr[::-1])


def test_plots_write_pngs_of_expected_size(tmp_path: Path, case: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = case
    dpi = plots.DPI
    cm = m.confusion_matrix(y, p.argmax(1), len(CLASSES))
    assert _png_size(plots.plot_confusion_matrix(cm, CLASSES, tmp_path / "a" / "cm.png")) == (
        12 * dpi,
        int(5.5 * dpi),
    )
    assert _png_size(plots.plot_roc(y, p, CLASSES, tmp_path / "roc.png")) == (7 * dpi, 6 * dpi)
    assert _png_size(plots.plot_pr(y, p, CLASSES, tmp_path / "pr.png")) == (7 * dpi, 6 * dpi)
    yb = (y == 4).astype(int)
    pb = np.stack([1 - p[:, 4], p[:, 4]], axis=1)
    assert _png_size(plots.plot_roc(yb, pb, ["other", "mel"], tmp_path / "roc2.png")) == (7 * dpi, 6 * dpi)
    assert _png_size(plots.plot_pr(yb, pb, ["other", "mel"], tmp_path / "pr2.png")) == (7 * dpi, 6 * dpi)
    assert _png_size(plots.plot_reliability(y, p, tmp_path / "rel.png")) == (6 * dpi, 7 * dpi)
    history = [
        {"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e + 0.01 * e, "val_f1_macro": 0.5 + 0.01 * e}
        for e in range(1, 8)
    ]
    assert _png_size(plots.plot_learning_curves(history, tmp_path / "lc.png")) == (12 * dpi, int(4.5 * dpi))
    messy = [
        {"epoch": e, "phase": "train", "train_loss": 1 / e, "val_ece": None if e == 2 else 0.1}
        for e in (1, 2, 3)
    ]
    assert _png_size(plots.plot_learning_curves(messy, tmp_path / "lc2.png")) == (12 * dpi, int(4.5 * dpi))
    only_loss = [{"epoch": e, "train_loss": 1 / e} for e in range(1, 4)]
    assert _png_size(plots.plot_learning_curves(only_loss, tmp_path / "lc1.png")) == (6 * dpi, int(4.5 * dpi))
    ci = summary_with_ci(y, p, CLASSES, target="mel", n_boot=50)
    runs = {
        "model-a": {k: ci[k] for k in ("accuracy", "f1_macro")},
        "model-b": {"accuracy": 0.6, "f1_macro": 0.5},
    }
    w, h = _png_size(plots.plot_metric_bars(runs, tmp_path / "bars.png"))
    assert h == 5 * dpi and w >= 7 * dpi


def test_plots_bad_input(tmp_path: Path, case: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = case
    with pytest.raises(ValueError, match="does not match"):
        plots.plot_confusion_matrix(np.zeros((3, 3)), CLASSES, tmp_path / "x.png")
    with pytest.raises(ValueError, match="columns"):
        plots.plot_roc(y, p[:, :3], CLASSES, tmp_path / "x.png")
    with pytest.raises(ValueError, match="empty"):
        plots.plot_learning_curves([], tmp_path / "x.png")
    with pytest.raises(ValueError, match="empty"):
        plots.plot_metric_bars({}, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_plot_single_class_does_not_crash(tmp_path: Path) -> None:
    y = np.zeros(20, int)
    p = np.tile([0.6, 0.3, 0.1], (20, 1))
    assert _png_size(plots.plot_roc(y, p, ["a", "b", "c"], tmp_path / "roc.png"))[0] > 0


def test_metrics_table_markdown() -> None:
    table = metrics_table_markdown(
        {"accuracy": {"value": 0.91234, "ci_low": 0.9, "ci_high": 0.925}, "auroc": float("nan"), "n": 12.0}
    )
    lines = table.splitlines()
    assert lines[0] == "| Metric | Value [95% CI] |"
    assert "| accuracy | 0.912 [0.900, 0.925] |" in lines
    assert "| auroc | n/a |" in lines and "| n | 12.000 |" in lines
    comp = comparison_table_markdown({"a": {"acc": 0.5}, "b": {"acc": 0.6, "f1": 0.4}})
    assert "| a | 0.500 | n/a |" in comp.splitlines()


def test_markdown_to_html_subset() -> None:
    text = (
        "# Title\n\nSome **bold** and `x<y` text\nacross lines.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n"
        "| a | b |\n|---|---:|\n| 1 | 2 |\n\n```python\nprint('<hi>')\n```\n\n[link](https://x.org)"
    )
    out = markdown_to_html(text)
    assert "<h1>Title</h1>" in out
    assert "<p>Some <strong>bold</strong> and <code>x&lt;y</code> text across lines.</p>" in out
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in out
    assert "<ol>" in out and "<li>second</li>" in out
    assert '<th style="text-align:left">a</th>' in out and '<td style="text-align:right">2</td>' in out
    assert '<pre><code class="language-python">print(&#x27;&lt;hi&gt;&#x27;)</code></pre>' in out
    assert '<a href="https://x.org">link</a>' in out


def test_write_report(tmp_path: Path, case: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = case
    run = tmp_path / "run"
    img = plots.plot_roc(y, p, CLASSES, run / "plots" / "roc_curves.png")
    ci = summary_with_ci(y, p, CLASSES, target="mel", n_boot=50)
    sections = [
        ("Test metrics", metrics_table_markdown(ci)),
        ("Data", "HAM10000 test split, **400** images."),
    ]
    md_path, html_path = write_report(run, "skin-lesion <test>", sections, [img])
    md, page = md_path.read_text(), html_path.read_text()
    assert md_path == run / "report.md" and html_path == run / "report.html"
    assert "## Test metrics" in md and "| accuracy |" in md and "![roc curves](plots/roc_curves.png)" in md
    assert md.rstrip().endswith(DISCLAIMER_EN)
    assert "<h2>Test metrics</h2>" in page and "<table>" in page and "<strong>400</strong>" in page
    assert "skin-lesion &lt;test&gt;" in page  # title escaped
    assert DISCLAIMER_EN in page
    encoded = page.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(encoded) == img.read_bytes()
    assert 'src="plots/' not in page  # self-contained


def test_write_report_missing_image(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.png"):
        write_report(tmp_path, "t", [("a", "b")], [tmp_path / "nope.png"])


def test_evaluation_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import medlens.evaluation.metrics, medlens.evaluation.bootstrap, medlens.evaluation.calibration\n"
        "import medlens.evaluation.operating, medlens.evaluation.plots, medlens.evaluation.report\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

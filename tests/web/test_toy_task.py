"""A new task is data: this module registers a toy task (3 ordinal heads, its own modality and texts)
and runs it through train (tiny, synthetic) -> export -> Predictor -> the web result page and the PDF,
touching no file outside this test.

The synthetic grades are known by construction: ``warmth`` shifts the red channel, ``shade`` darkens
the image, ``speckle`` adds white dots. The model is tiny and trained for two epochs, so the test checks
the plumbing (heads, ordinal decoding, texts, card), not accuracy.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.tasks import (
    MODALITIES,
    TASKS,
    Head,
    Modality,
    TaskSpec,
    Text,
    register_modality,
    register_task,
)

from .conftest import upload
from .test_pages import check_page, login

GRADES = ("0", "1", "2")
GRADE_TEXT = {"0": Text("None", "없음"), "1": Text("Some", "약간"), "2": Text("Lots", "많음")}
HEADS = (
    ("warmth", Text("Warmth grade", "따뜻함 등급")),
    ("shade", Text("Shade grade", "그늘 등급")),
    ("speckle", Text("Speckle grade", "반점 등급")),
)
TOY = TaskSpec(
    name="toy-grades",
    title=Text("Toy grading (test)", "장난감 등급 (테스트)"),
    heads=tuple(Head(n, GRADES, t, ordinal=True, class_text=GRADE_TEXT) for n, t in HEADS),
    target=None,
    modality="toy-photo",
    default_backbone="mobilenetv3_small_050",
    input_size=32,
    default_preset="flip",
    photo_guide=Text("Any toy photo.", "아무 장난감 사진."),
    limitations=("A toy task for tests: its grades mean nothing.",),
)


@pytest.fixture(scope="module", autouse=True)
def toy_task() -> TaskSpec:
    if "toy-photo" not in MODALITIES:
        register_modality(Modality("toy-photo", Text("Toy photo", "장난감 사진"), quality_profile="camera"))
    if TOY.name not in TASKS:
        register_task(TOY)
    return TOY


def toy_image(grades: tuple[int, int, int], rng: np.random.Generator, size: int = 160) -> np.ndarray:
    warmth, shade, speckle = grades
    img = rng.normal(140, 30, (size, size, 3))  # textured, so the quality gate sees a sharp photo
    img[..., 0] += 40 * warmth
    img *= 1.0 - 0.25 * shade
    for _ in range(25 * speckle):
        y, x = rng.integers(2, size - 2, 2)
        img[y - 2 : y + 2, x - 2 : x + 2] = 255
    return np.clip(img, 0, 255).astype(np.uint8)


def _dataset(root: Path, n: int = 72) -> Path:
    rng = np.random.default_rng(0)
    lines = ["image,group,warmth,shade,speckle"]
    (root / "img").mkdir(parents=True)
    for i in range(n):
        g = tuple(int(v) for v in rng.integers(0, 3, 3))
        Image.fromarray(toy_image(g, rng)).save(root / "img" / f"{i:03d}.png")
        lines.append(f"img/{i:03d}.png,p{i // 2},{g[0]},{g[1]},{g[2]}")
    (root / "labels.csv").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory, toy_task: TaskSpec) -> Path:
    """Overrides conftest's bundles: only the toy model, trained and exported through the CLI."""
    from typer.testing import CliRunner

    from medlens.cli.main import app

    tmp = tmp_path_factory.mktemp("toy")
    data = _dataset(tmp / "data")
    run = tmp / "run"
    runner = CliRunner()
    args = [
        "train",
        "--task",
        TOY.name,
        "--dataset",
        "labels-csv",
        "--data-root",
        str(data),
        "--out",
        str(run),
    ]
    args += ["--pretrained", "none", "--epochs", "2", "--batch-size", "16", "--n-boot", "50"]
    args += ["--cache-dir", "", "--no-progress", "--threads", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    bundle = tmp / "models" / "toy"
    result = runner.invoke(app, ["export", str(run), "--out", str(bundle), "--latency-runs", "5"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return bundle.parent


def test_run_used_the_task_defaults_and_ordinal_metrics(models_dir: Path) -> None:
    run = models_dir.parent / "run"
    config = json.loads((run / "config.json").read_text())
    assert config["backbone"] == "mobilenetv3_small_050" and config["input_size"] == 32
    assert config["preset"] == "flip" and config["pretrained"] is None
    assert config["heads"] == {"warmth": 2, "shade": 2, "speckle": 2}  # CORN: K-1 logits per head
    metrics = json.loads((run / "metrics.json").read_text())
    for name, _ in HEADS:
        head = metrics["heads"][name]
        assert 0.0 <= head["grade_mae"]["value"] <= 2.0
        assert -1.0 <= head["kappa_quadratic"]["value"] <= 1.0
    assert "mean_kappa_quadratic" in metrics["test"] and "mean_grade_mae" in metrics["test"]


def test_card_and_predictor_carry_the_schema(models_dir: Path) -> None:
    from medlens.card import ModelCard
    from medlens.serving import Predictor

    card = ModelCard.load(models_dir / "toy")
    assert card.heads == {n: list(GRADES) for n, _ in HEADS} and card.ordinal == [n for n, _ in HEADS]
    assert "A toy task for tests: its grades mean nothing." in card.limitations
    pred = Predictor.from_card(models_dir / "toy").predict(toy_image((2, 0, 1), np.random.default_rng(5)))
    assert list(pred.heads) == [n for n, _ in HEADS]
    for probs in pred.heads.values():
        assert list(probs) == list(GRADES) and abs(sum(probs.values()) - 1) < 1e-6
        assert min(probs.values()) >= 0
    assert pred.label in GRADES and pred.probabilities == pred.heads["warmth"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_result_page_and_pdf_show_heads_and_texts(client, make_account, lang: str) -> None:
    from pypdf import PdfReader

    pat = make_account()
    buf = io.BytesIO()
    Image.fromarray(toy_image((1, 2, 0), np.random.default_rng(7))).save(buf, format="PNG")
    r = upload(client, pat, buf.getvalue(), task=TOY.name, filename="toy.png", ctype="image/png")
    assert r.status_code == 201, r.text
    body = r.json()
    assert [h["name"] for h in body["heads"]] == [n for n, _ in HEADS]
    assert body["label_title"].startswith("Warmth grade: ")

    login(client, pat.email)
    page = client.get(f"/cases/{body['id']}?lang={lang}").text
    check_page(page)
    assert page.count('<svg class="chart"') == 3
    grade_titles = {t.get(lang) for t in GRADE_TEXT.values()}
    for name, title in HEADS:
        assert f'id="head-{name}"' in page and title.get(lang) in page
    assert any(g in page for g in grade_titles)
    assert TOY.title.get(lang) in page

    pdf = client.get(f"/api/v1/cases/{body['id']}/report.pdf?lang={lang}", headers=pat.auth)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for _, title in HEADS:
        assert title.get(lang) in text
    assert any(g in text for g in grade_titles)


def test_screening_list_offers_the_toy_task_with_its_modality(client, make_account) -> None:
    pat = make_account()
    login(client, pat.email)
    page = client.get("/screen?lang=en").text
    assert 'id="task-toy-grades"' in page and "Toy photo" in page
    form = client.get("/screen/toy-grades?lang=ko").text
    assert "아무 장난감 사진." in form and 'id="body_site"' not in form  # the modality asks no body site

"""``medlens explain`` with a timm backbone name + state dict, and with a medlens checkpoint."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")

from medlens.cli.main import app  # noqa: E402

runner = CliRunner()


def _image(tmp_path: Path, rng: np.random.Generator) -> Path:
    path = tmp_path / "img.png"
    cv2.imwrite(str(path), rng.integers(0, 255, (80, 96, 3), dtype=np.uint8))
    return path


def test_explain_timm_name_with_state_dict(tmp_path: Path, rng: np.random.Generator) -> None:
    torch.manual_seed(0)
    model = timm.create_model("resnet18", pretrained=False, num_classes=2)
    weights = tmp_path / "w.pt"
    torch.save(model.state_dict(), weights)
    out = tmp_path / "ov.png"
    res = runner.invoke(
        app,
        [
            "explain",
            str(_image(tmp_path, rng)),
            "--model",
            "resnet18",
            "--weights",
            str(weights),
            "--input-size",
            "64",
            "--method",
            "gradcam++",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert cv2.imread(str(out)).shape == (80, 96, 3)  # overlay at the image's own size


def test_explain_medlens_checkpoint(tmp_path: Path, rng: np.random.Generator) -> None:
    from medlens.models import create_classifier
    from medlens.models.checkpoint import save_checkpoint

    model = create_classifier("mobilenetv3_small_100", num_classes=2)
    ckpt = save_checkpoint(
        tmp_path / "best.pt",
        model,
        {
            "backbone": "mobilenetv3_small_100",
            "num_classes": 2,
            "input_size": 64,
            "classes": ["benign", "malignant"],
        },
    )
    out = tmp_path / "ov.png"
    res = runner.invoke(
        app,
        [
            "explain",
            str(_image(tmp_path, rng)),
            "--model",
            str(ckpt),
            "--target-class",
            "1",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "malignant" in res.output and out.exists()


def test_explain_bad_inputs(tmp_path: Path, rng: np.random.Generator) -> None:
    img = _image(tmp_path, rng)
    res = runner.invoke(app, ["explain", str(img), "--model", "not_a_model_xyz"])
    assert res.exit_code != 0 and "not_a_model_xyz" in res.output
    res = runner.invoke(app, ["explain", str(img), "--model", "resnet18", "--method", "magic"])
    assert res.exit_code != 0 and "magic" in res.output

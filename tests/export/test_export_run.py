"""``export_run`` / ``medlens export``: a training run folder becomes a self-describing bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from medlens.card import ModelCard  # noqa: E402
from medlens.cli.main import app  # noqa: E402
from medlens.data import create_dataset  # noqa: E402
from medlens.data.splits import SplitManifest  # noqa: E402
from medlens.data.transforms import create_transform  # noqa: E402
from medlens.export import export_run  # noqa: E402
from medlens.serving import Predictor  # noqa: E402

from .conftest import make_run  # noqa: E402


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A miniature but real run folder: 2 x 14 melanoma JPEGs, random-init model, split, metrics."""
    return make_run(tmp_path_factory.mktemp("run"), shared_data)


def test_export_run_fills_card_and_matches_torch(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "melanoma"
    card = export_run(run_dir, out, int8=True, latency_runs=5, n_boot=50, command="medlens export (test)")
    assert ModelCard.load(out).weights_sha256 == card.weights_sha256
    assert card.task == "melanoma" and card.classes == ["benign", "malignant"] and card.tta == ["hflip"]
    assert card.preprocessing.input_size == 64 and card.preprocessing.interpolation == "area/bilinear"
    assert (
        card.temperature > 0
        and card.thresholds.target_class == "malignant"
        and card.thresholds.threshold is not None
    )
    assert card.ood is not None and card.ood.method == "energy"
    assert card.params and card.macs and card.latency_ms and card.cam_file
    assert card.data.fingerprint == SplitManifest.load(run_dir / "split.json").fingerprint
    assert card.training_command and card.export_command and card.limitations
    assert card.quantization and "fp32_test" in card.metrics
    for key in ("accuracy", "auroc_macro", "target_sensitivity"):
        m = card.metrics["test"][key]
        assert m["ci_low"] <= m["value"] <= m["ci_high"]
    assert card.metrics["test"]["n_test"] == card.data.n_test
    # every new bundle gets its conformal block from the same val/test logits (never stale)
    assert card.conformal is not None and card.conformal.target_class == "malignant"
    assert card.conformal.n_calibration == card.data.n_val
    assert card.conformal.test["coverage"]["n"] == card.data.n_test
    # and its source gate, fitted on the run's train split (images far from every training source)
    gate = card.source_gate
    assert (
        gate is not None
        and list(gate.sources.values()) == [card.data.n_train]
        and gate.n_test == card.data.n_test
    )
    assert (out / gate.file).exists() and 0.0 <= (gate.test_false_flag_rate or 0.0) <= 1.0


@pytest.mark.slow
def test_cli_export_fp32_reproduces_torch_with_tta(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "fp32"
    result = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(out), "--latency-runs", "5"])
    assert result.exit_code == 0, result.output
    from medlens.models import load_checkpoint

    model, config = load_checkpoint(run_dir / "best.pt")
    sample_set = create_dataset("imagefolder", Path(config["data_root"]))
    test_idx = SplitManifest.load(run_dir / "split.json").test
    images = [sample_set.samples[i].load_image() for i in test_idx]
    tf = create_transform("none", 64, config["mean"], config["std"], train=False)
    x = torch.from_numpy(np.stack([tf(im) for im in images]))
    with torch.no_grad():
        ref = ((model(x) + model(x.flip(3))) / 2).numpy()
    ours = Predictor.from_card(out).logits_batch(images)
    assert np.abs(ours - ref).max() <= 1e-4

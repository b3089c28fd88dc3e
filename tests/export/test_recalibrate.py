"""``medlens recalibrate``: the same weights served with other test-time views, refitted on the bundle's split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner

from medlens.card import ModelCard
from medlens.cli.main import app
from medlens.data import create_dataset
from medlens.export import export_run
from medlens.export.recalibrate import recalibrate_bundle
from medlens.serving import Predictor
from medlens.serving.preprocessing import normalize, resize_for_model
from medlens.serving.views import apply_view

from .conftest import make_run


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    base = tmp_path_factory.mktemp("recal")
    run = make_run(base, shared_data, backbone="resnet18")
    return export_run(run, base / "bundle", latency_runs=5, n_boot=50).directory


def test_recalibrated_bundle_serves_the_mean_over_its_new_views(bundle: Path, tmp_path: Path) -> None:
    old = ModelCard.load(bundle)
    old.metrics["cross_source"] = {"rows": ["measured with the old views"]}
    old.save(bundle)
    views = ["hflip", "vflip", "rot90", "rot180", "rot270", "transpose", "transverse"]
    card = recalibrate_bundle(
        bundle, tmp_path / "d8", views=views, command="medlens recalibrate (test)", n_boot=50
    )
    assert card.tta == views and ModelCard.load(bundle).tta == ["hflip"]  # the source bundle is untouched
    assert card.weights_sha256 == old.weights_sha256 and card.thresholds.threshold is not None
    assert "served TTA: " + str(views) in card.metrics["source"]
    assert "cross_source" not in card.metrics and card.metrics["recalibrated"]["dropped"] == ["cross_source"]
    assert card.metrics["recalibrated"]["from_views"] == ["hflip"] and card.export_command.endswith("(test)")
    assert not list(tmp_path.glob(".d8-*"))
    # served logits are the mean of the plain model's logits over the eight symmetric copies of each input
    images = [s.load_image() for s in create_dataset("imagefolder", bundle.parent / "data").samples[:4]]
    plain = Predictor.from_card(card.directory, tta=False)
    pp = card.preprocessing
    x = np.stack([normalize(resize_for_model(im, pp)[0], pp) for im in images])
    expected = np.mean(
        [plain.forward(np.ascontiguousarray(apply_view(x, v) if v else x))[0] for v in [None, *views]], axis=0
    )
    np.testing.assert_allclose(Predictor.from_card(card.directory).logits_batch(images), expected, atol=1e-4)
    # the calibration was refitted on the validation split through the new views
    assert card.temperature != pytest.approx(old.temperature, abs=1e-9)


def test_recalibrate_refuses_bad_views_and_writes_nothing(bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown test-time view"):
        recalibrate_bundle(bundle, tmp_path / "bad", views=["rot45"])
    assert not (tmp_path / "bad").exists() and not list(tmp_path.glob(".bad-*"))
    with pytest.raises(ValueError, match="the bundle itself"):
        recalibrate_bundle(bundle, bundle, views=["vflip"])


def test_recalibrate_cli(bundle: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["recalibrate", str(bundle), "--out", str(tmp_path / "plain"), "--tta", "none"])
    assert res.exit_code == 0, res.output
    assert ModelCard.load(tmp_path / "plain").tta == [] and "views none" in res.output
    res = runner.invoke(app, ["recalibrate", str(bundle), "--out", str(tmp_path / "x"), "--tta", "spin"])
    assert res.exit_code == 2 and "unknown test-time view" in res.output
    res = runner.invoke(app, ["recalibrate", str(tmp_path / "missing"), "--out", str(tmp_path / "y")])
    assert res.exit_code == 2 and "error:" in res.output

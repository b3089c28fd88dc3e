"""``medlens recalibrate``: the same weights served with other test-time views, refitted on the bundle's split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner

from medlens.card import CardError, ModelCard
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


def test_logit_adjustment_shifts_the_served_logits_by_the_training_prior(
    bundle: Path, tmp_path: Path
) -> None:
    import shutil

    from medlens.export.recalibrate import apply_logit_adjustment
    from medlens.serving.cam import CamHead

    images = [s.load_image() for s in create_dataset("imagefolder", bundle.parent / "data").samples[:4]]
    old = ModelCard.load(bundle)
    before = Predictor.from_card(bundle).logits_batch(images)
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    card = ModelCard.load(copy)
    record = apply_logit_adjustment(card, [0, 0, 0, 1], 1.0)  # shares 0.75 / 0.25
    card.save(copy)
    expected = -np.log([0.75, 0.25]) * old.temperature
    np.testing.assert_allclose(
        Predictor.from_card(copy).logits_batch(images) - before, np.tile(expected, (4, 1)), rtol=1e-5
    )
    head_old, head_new = CamHead.load(bundle / old.cam_file), CamHead.load(copy / card.cam_file)
    np.testing.assert_allclose(head_new.fc_b - head_old.fc_b, expected, atol=1e-5)
    assert record["prior"] == {"benign": 0.75, "malignant": 0.25} and record["tau"] == 1.0
    assert "Logit-adjusted (tau 1" in card.limitations[-1]


def test_recalibrate_with_logit_adjustment_records_it_and_refuses_a_second(
    bundle: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app, ["recalibrate", str(bundle), "--out", str(tmp_path / "la"), "--logit-adjust", "0.5"]
    )
    assert res.exit_code == 0, res.output
    card = ModelCard.load(tmp_path / "la")
    record = card.metrics["recalibrated"]["logit_adjust"]
    train_shares = np.array(list(record["prior"].values()))
    assert record["tau"] == 0.5 and train_shares.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(list(record["bias"].values()), -0.5 * np.log(train_shares))
    assert card.weights_sha256 != ModelCard.load(bundle).weights_sha256 and card.metrics["test"]
    card.verify()
    with pytest.raises(CardError, match="already logit-adjusted"):
        recalibrate_bundle(tmp_path / "la", tmp_path / "la2", logit_adjust=0.2)
    assert not (tmp_path / "la2").exists()
    # a recalibration without a new adjustment (other views) keeps the record of the first
    again = recalibrate_bundle(tmp_path / "la", tmp_path / "la3", views=["vflip"], n_boot=50)
    assert again.metrics["recalibrated"]["logit_adjust"]["tau"] == 0.5
    res = runner.invoke(
        app, ["recalibrate", str(bundle), "--out", str(tmp_path / "x"), "--logit-adjust", "5"]
    )
    assert res.exit_code == 2 and not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def imbalanced_bundle(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A bundle whose training part is about 3 : 1 benign : malignant, so a logit adjustment is class-dependent."""
    import shutil

    base = tmp_path_factory.mktemp("recal-imbalanced")
    src = shared_data / "melanoma_10000" / "train"
    for cls, n in (("benign", 20), ("malignant", 6)):
        (base / "data" / cls).mkdir(parents=True)
        for f in sorted((src / cls).glob("*.jpg"))[:n]:
            shutil.copy(f, base / "data" / cls / f.name)
    run = make_run(base, shared_data, backbone="resnet18")
    return export_run(run, base / "bundle", latency_runs=5, n_boot=50).directory


def test_the_benchmark_table_is_what_the_adjusted_bundle_serves(
    imbalanced_bundle: Path, tmp_path: Path, load_benchmark
) -> None:
    """benchmarks/logit_adjust.py scores each tau from one pass of logits; the bundle recalibrated at a tau
    must decide exactly as that row says on the same validation photos."""
    bundle = imbalanced_bundle
    from medlens.data.rebuild import facts_from_card, rebuild_split
    from medlens.evaluation.metrics import balanced_accuracy
    from medlens.serving.source_check import bundle_logits

    out = load_benchmark("logit_adjust").main(
        ["--model", str(bundle), "--split", "val", "--low", "-1", "--high", "1", "--step", "0.5",
         "--out", str(tmp_path / "la.md")]
    )  # fmt: skip
    assert [r["tau"] for r in out["table"]] == [-1.0, -0.5, 0.0, 0.5, 1.0] and (
        tmp_path / "la.json"
    ).is_file()
    assert "Command: `python benchmarks/logit_adjust.py --model" in (tmp_path / "la.md").read_text()
    adjusted = recalibrate_bundle(bundle, tmp_path / "la1", logit_adjust=1.0, n_boot=50)
    split = rebuild_split(facts_from_card(adjusted), adjusted.data.fingerprint, strict=True)
    idx = list(split.manifest.splits["val"])
    y = [split.sample_set.samples[i].label for i in idx]
    pred = bundle_logits(Predictor.from_card(adjusted.directory), split.sample_set, idx).argmax(1)
    row = next(r for r in out["table"] if r["tau"] == 1.0)
    assert balanced_accuracy(y, pred) == pytest.approx(row["balanced_accuracy"])
    assert out["prior"] == adjusted.metrics["recalibrated"]["logit_adjust"]["prior"]
    train = [split.sample_set.samples[i].label for i in split.manifest.splits["train"]]
    assert out["prior"]["benign"] == pytest.approx(train.count(0) / len(train)) and train.count(
        0
    ) > train.count(1)
    # tau = +1 favours the rarer malignant class: never fewer malignant calls than the plain bundle
    plain = bundle_logits(Predictor.from_card(bundle), split.sample_set, idx).argmax(1)
    assert (pred == 1).sum() >= (plain == 1).sum()

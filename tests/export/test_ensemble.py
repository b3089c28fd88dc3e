"""``medlens ensemble``: several bundles of one task and split become one ONNX bundle, served like any other."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner

from medlens.card import ModelCard
from medlens.cli.main import app
from medlens.data import create_dataset
from medlens.export import export_run
from medlens.export.ensemble import check_members, export_ensemble, split_nesting_problems
from medlens.serving import Predictor

from .conftest import make_run


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> list[Path]:
    """Two bundles of different backbones exported from runs on the same photos and split."""
    base = tmp_path_factory.mktemp("ens")
    out = []
    for i, backbone in enumerate(("resnet18", "tf_efficientnet_lite0")):
        run = make_run(base, shared_data, backbone=backbone, seed=i, name=f"run{i}")
        out.append(export_run(run, base / f"bundle{i}", latency_runs=5, n_boot=50).directory)
    return out


def test_ensemble_serves_the_mean_of_calibrated_logits_with_an_exact_cam(
    members: list[Path], tmp_path: Path
) -> None:
    card = export_ensemble(
        members, tmp_path / "ens", latency_runs=5, n_boot=50, command="medlens ensemble (test)"
    )
    cards = [ModelCard.load(m) for m in members]
    assert not list(tmp_path.glob(".ens-*"))  # built aside, moved into place whole
    assert card.backbone == "ensemble(resnet18 + tf_efficientnet_lite0)"
    assert [m["weights_sha256"] for m in card.metrics["members"]] == [c.weights_sha256 for c in cards]
    assert card.metrics["test"] and card.thresholds.threshold is not None and card.source_gate is not None
    assert card.params == sum(c.params or 0 for c in cards) and card.tta == ["hflip"]
    images = [s.load_image() for s in create_dataset("imagefolder", members[0].parent / "data").samples[:6]]
    served = Predictor.from_card(card.directory)
    expected = (
        sum(
            Predictor.from_card(m).logits_batch(images) / c.temperature
            for m, c in zip(members, cards, strict=True)
        )
        / 2
    )
    np.testing.assert_allclose(served.logits_batch(images), expected, rtol=1e-4, atol=1e-4)
    # the CAM head reproduces the plain view's logits from the concatenated feature map exactly
    _assert_cam_head_exact(card.directory)
    pred = served.predict(images[0], cam=True)
    assert pred.heatmap is not None and pred.heatmap.shape == images[0].shape[:2]


def test_members_must_share_classes_and_split(members: list[Path], tmp_path: Path) -> None:
    copy = tmp_path / "other"
    shutil.copytree(members[1], copy)
    raw = json.loads((copy / "card.json").read_text())
    raw["data"]["fingerprint"] = "0" * 64
    (copy / "card.json").write_text(json.dumps(raw))
    check_members([ModelCard.load(members[0]), ModelCard.load(copy)])  # same input: the data decides
    with pytest.raises(ValueError, match=r"split fingerprint.*cannot be rebuilt"):
        export_ensemble([members[0], copy], tmp_path / "e0", latency_runs=0, n_boot=10)
    assert not (tmp_path / "e0").exists()
    result = CliRunner().invoke(app, ["ensemble", str(members[0]), str(copy), "--out", str(tmp_path / "e")])
    assert result.exit_code != 0 and "split fingerprint" in result.output
    assert not (tmp_path / "e" / "card.json").exists()
    onto = CliRunner().invoke(app, ["ensemble", str(members[0]), str(members[1]), "--out", str(members[1])])
    assert onto.exit_code != 0 and "a member's folder" in onto.output
    one = CliRunner().invoke(app, ["ensemble", str(members[0]), "--out", str(tmp_path / "e1")])
    assert one.exit_code != 0 and "at least two" in one.output


def test_a_member_split_must_be_nested_part_by_part() -> None:
    base = {"train": {"a", "b", "c", "d"}, "val": {"e", "f"}, "test": {"g", "h"}}
    # a model trained on one source of the task: each of its parts inside the same part of the base split
    assert split_nesting_problems(base, {"train": {"a", "b"}, "val": {"e"}, "test": {"g"}}) == []
    assert split_nesting_problems(base, base) == []
    # it trained on an image the ensemble tests on, and validated on one the ensemble trains on
    leaky = split_nesting_problems(base, {"train": {"a", "g"}, "val": {"b"}, "test": {"h", "z"}}, "v2")
    assert leaky == [
        "1 of the member's train images are outside v2's train part (1 in its test part)",
        "1 of the member's val images are outside v2's val part (1 in its train part)",
        "1 of the member's test images are outside v2's test part (1 not in its split at all)",
    ]


def test_a_member_with_its_own_image_ops_applies_them_inside_the_graph(
    members: list[Path], tmp_path: Path
) -> None:
    """A member trained with Shades of Gray and a circle mask keeps them in an ensemble with a member without."""
    masked = tmp_path / "masked"
    shutil.copytree(members[1], masked)
    raw = json.loads((masked / "card.json").read_text())
    raw["preprocessing"]["ops"] = ["sog", "circle"]
    (masked / "card.json").write_text(json.dumps(raw))
    card = export_ensemble([members[0], masked], tmp_path / "ens", latency_runs=0, n_boot=20)
    assert card.preprocessing.ops == []  # the ensemble's input: the photo as is
    assert [m["image_ops"] for m in card.metrics["members"]] == [[], ["sog", "circle"]]
    images = [s.load_image() for s in create_dataset("imagefolder", members[0].parent / "data").samples[:6]]
    cards = [ModelCard.load(members[0]), ModelCard.load(masked)]
    member_logits = [Predictor.from_card(m).logits_batch(images) / c.temperature for m, c in zip(
        (members[0], masked), cards, strict=True)]  # fmt: skip
    np.testing.assert_allclose(
        Predictor.from_card(card.directory).logits_batch(images), sum(member_logits) / 2, rtol=1e-3, atol=1e-3
    )
    # the ops matter: without them in the graph the masked member's logits differ
    plain = Predictor.from_card(members[1]).logits_batch(images) / cards[1].temperature
    assert np.abs(plain - member_logits[1]).max() > 1e-2
    lung = tmp_path / "lung"
    shutil.copytree(members[1], lung)
    raw["preprocessing"]["ops"] = ["lungcrop"]
    (lung / "card.json").write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="lungcrop cannot run inside the ensemble graph"):
        check_members([ModelCard.load(members[0]), ModelCard.load(lung)])


def test_an_ensemble_bundle_can_be_a_member_of_another(members: list[Path], tmp_path: Path) -> None:
    """An ensemble graph counts as one member: the outer bundle serves the mean of the inner ensemble's and
    the other member's calibrated logits, with an exact CAM head over both feature maps."""
    inner = export_ensemble(members, tmp_path / "inner", latency_runs=0, n_boot=20)
    outer = export_ensemble([inner.directory, members[0]], tmp_path / "outer", latency_runs=0, n_boot=20)
    assert outer.backbone == "ensemble(ensemble(resnet18 + tf_efficientnet_lite0) + resnet18)"
    assert outer.params == (inner.params or 0) + (ModelCard.load(members[0]).params or 0)
    images = [s.load_image() for s in create_dataset("imagefolder", members[0].parent / "data").samples[:6]]
    parts = [(inner.directory, inner.temperature), (members[0], ModelCard.load(members[0]).temperature)]
    expected = sum(Predictor.from_card(d).logits_batch(images) / t for d, t in parts) / 2
    np.testing.assert_allclose(
        Predictor.from_card(outer.directory).logits_batch(images), expected, rtol=1e-3, atol=1e-3
    )
    _assert_cam_head_exact(outer.directory)


def _assert_cam_head_exact(directory: Path) -> None:
    """The CAM head reproduces the plain view's logits from the served feature map."""
    plain = Predictor.from_card(directory, tta=False)
    x = np.stack([np.zeros((3, 64, 64), np.float32), np.ones((3, 64, 64), np.float32)])
    logits, feats = plain.forward(x, features=True)
    assert feats is not None and plain.cam_head is not None
    np.testing.assert_allclose(
        feats.mean(axis=(2, 3)) @ plain.cam_head.fc_w.T + plain.cam_head.fc_b, logits, rtol=1e-3, atol=1e-3
    )

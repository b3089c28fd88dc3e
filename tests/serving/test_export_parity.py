"""ONNX Runtime vs torch on real images, for every backbone family, plus numpy Grad-CAM vs autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from medlens.card import Preprocessing  # noqa: E402
from medlens.export import count_params_macs, export_onnx, extract_cam_head  # noqa: E402
from medlens.models import create_classifier  # noqa: E402
from medlens.serving.cam import grad_cam  # noqa: E402
from medlens.serving.preprocessing import preprocess_batch  # noqa: E402

from .conftest import read  # noqa: E402

FAMILIES = ["resnet18", "tf_efficientnet_lite0", "densenet121", "convnext_atto", "mobilenetv3_small_100"]
SIZE = 96


def _torch_grad_cam(model, x: torch.Tensor, index: int) -> np.ndarray:
    feats = model.forward_features(x).detach().requires_grad_(True)
    logits = model.forward_head(feats)
    logits[0, index].backward()
    w = feats.grad[0].mean(dim=(1, 2))
    cam = torch.relu((w[:, None, None] * feats[0]).sum(0)).detach().numpy()
    return cam / cam.max() if cam.max() > 0 else cam


@pytest.mark.slow
@pytest.mark.parametrize("backbone", FAMILIES)
def test_onnx_matches_torch_on_real_images(
    backbone: str, tmp_path: Path, melanoma_images: list[Path]
) -> None:
    torch.manual_seed(0)
    model = create_classifier(backbone, num_classes=2).eval()
    path = export_onnx(model, tmp_path / "m.onnx", SIZE)
    pp = Preprocessing(input_size=SIZE, interpolation="area/bilinear")
    x = preprocess_batch([read(p) for p in melanoma_images], pp)  # batch 6: dynamic axis exercised
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits, feats = sess.run(["logits", "features"], {"input": x})
    with torch.no_grad():
        t_feats = model.forward_features(torch.from_numpy(x))
        t_logits = model.forward_head(t_feats)
    assert logits.shape == (len(melanoma_images), 2)
    assert feats.ndim == 4 and feats.shape[0] == len(melanoma_images)
    assert np.abs(logits - t_logits.numpy()).max() <= 1e-4
    assert np.abs(feats - t_feats.numpy()).max() <= 1e-4

    head = extract_cam_head(model, input_size=SIZE)
    assert head is not None, f"no CAM head for {backbone}"
    for i in range(2):
        ours = grad_cam(head, feats[0], i)
        ref = _torch_grad_cam(model, torch.from_numpy(x[:1]), i)
        assert np.abs(ours - ref).max() <= 1e-3, f"{backbone} class {i}: numpy Grad-CAM differs from autograd"


def test_mac_counter_matches_known_resnet18() -> None:
    params, macs = count_params_macs(create_classifier("resnet18", num_classes=1000), 224)
    assert params == 11_689_512
    assert abs(macs - 1.82e9) / 1.82e9 < 0.01  # published ResNet-18 figure: 1.82 GMACs at 224 px


def test_multihead_export_concatenates_heads(tmp_path: Path) -> None:
    model = create_classifier("resnet18", num_classes=4, heads={"a": 4, "b": 3}).eval()
    path = export_onnx(model, tmp_path / "mh.onnx", 64)
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    logits = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        ["logits"], {"input": x}
    )[0]
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    assert logits.shape == (2, 7)
    assert np.abs(logits - ref).max() <= 1e-4

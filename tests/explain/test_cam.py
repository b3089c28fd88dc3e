"""CAM family on each backbone family at 64 px: shape, range, hook release, registry."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")
pytest.importorskip("pytorch_grad_cam")

from medlens.explain import TARGET_LAYERS, backbone_family, create_cam, find_target_layers, list_cam_methods  # noqa: E402

BACKBONES = {
    "resnet18": lambda m: m.layer4[-1],
    "tf_efficientnet_lite0": lambda m: m.bn2,
    "densenet121": lambda m: m.features.norm5,
    "convnext_atto": lambda m: m.stages[-1],
    "mobilenetv3_small_100": lambda m: m.blocks[-1],
}


def _model(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return timm.create_model(name, pretrained=False, num_classes=2).eval()


def _hooks(layer: torch.nn.Module) -> int:
    return (
        len(layer._forward_hooks) + len(layer._backward_hooks) + len(getattr(layer, "_forward_pre_hooks", {}))
    )


@pytest.mark.parametrize("name", list(BACKBONES))
def test_gradcam_per_backbone_family(name: str) -> None:
    model = _model(name)
    (layer,) = find_target_layers(model)
    assert layer is BACKBONES[name](model)
    x = torch.randn(2, 3, 64, 64)
    assert _hooks(layer) == 0
    with create_cam("gradcam", model) as cam:
        assert _hooks(layer) > 0
        heat = cam(x, target_class=1)
    assert _hooks(layer) == 0
    assert heat.shape == (2, 64, 64)
    assert heat.min() >= 0 and heat.max() <= 1 + 1e-6


def _tiny() -> tuple[torch.nn.Module, torch.nn.Module]:
    """Small CNN (8 channels) so Score-CAM needs only 8 extra forward passes."""
    torch.manual_seed(0)
    last = torch.nn.Conv2d(8, 8, 3, padding=1)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1),
        torch.nn.ReLU(),
        last,
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 2),
    )
    return net.eval(), last


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "scorecam", "eigencam"])
def test_every_registered_method_runs(method: str) -> None:
    assert method in list_cam_methods()
    model, layer = _tiny()
    with create_cam(method, model, target_layers=[layer]) as cam:
        heat = cam(torch.rand(2, 3, 64, 64), target_class=[0, 1])
    assert _hooks(layer) == 0
    assert heat.shape == (2, 64, 64)
    assert np.isfinite(heat).all() and heat.min() >= 0 and heat.max() <= 1 + 1e-6


def test_family_table_and_errors() -> None:
    assert set(TARGET_LAYERS) == {"resnet", "efficientnet", "densenet", "convnext", "mobilenetv3"}
    assert backbone_family("efficientnet_b0") == "efficientnet"
    assert backbone_family("tf_efficientnet_lite0") == "efficientnet"
    with pytest.raises(ValueError, match="supported families"):
        backbone_family("vit_tiny_patch16_224")
    with pytest.raises(ValueError, match="CAM method"):
        create_cam("not-a-cam", _model("resnet18"))


def test_released_explainer_refuses_work() -> None:
    model = _model("resnet18")
    cam = create_cam("gradcam", model)
    cam.release()
    with pytest.raises(RuntimeError, match="released"):
        cam(torch.randn(1, 3, 64, 64))


def test_multihead_wrapper_uses_inner_backbone() -> None:
    from medlens.models import create_classifier

    model = create_classifier("resnet18", num_classes=4, heads={"a": 2, "b": 2}).eval()
    (layer,) = find_target_layers(model)
    assert layer is model.backbone.layer4[-1]
    with create_cam("gradcam", model) as cam:
        assert cam(torch.randn(1, 3, 64, 64), target_class=3).shape == (1, 64, 64)

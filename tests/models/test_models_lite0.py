"""EfficientNet-Lite0/1/2 ImageNet weights mapped onto timm: real photos get their ImageNet class."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from medlens.data.transforms import resize_square
from medlens.models import PretrainedWeightsError, create_classifier, lite0_weights_path, lite_weights_path
from medlens.models.pretrained import map_lite0_state_dict

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def lite0() -> torch.nn.Module:
    try:
        lite0_weights_path()
    except PretrainedWeightsError as exc:
        pytest.skip(str(exc))
    return create_classifier("tf_efficientnet_lite0", 1000, pretrained="lite0-imagenet").eval()


def _predict(model: torch.nn.Module, image: np.ndarray) -> tuple[int, float]:
    x = resize_square(image, 224).astype(np.float32) / 255.0
    x = torch.from_numpy((x - 0.5) / 0.5).permute(2, 0, 1)[None]
    with torch.no_grad():
        p = model(x).softmax(1)[0]
    return int(p.argmax()), float(p.max())


@pytest.mark.parametrize(
    ("name", "imagenet_class", "min_prob"), [("chelsea", 285, 0.5), ("coffee", 967, 0.5)]
)
def test_lite0_imagenet_classifies_photos(
    lite0: torch.nn.Module, name: str, imagenet_class: int, min_prob: float
) -> None:
    cls, prob = _predict(lite0, getattr(skimage_data, name)())
    assert cls == imagenet_class  # 285 Egyptian cat, 967 espresso
    assert prob > min_prob


def test_lite0_head_replaced_keeps_backbone(lite0: torch.nn.Module) -> None:
    model = create_classifier("tf_efficientnet_lite0", 3, pretrained="lite0-imagenet")
    assert model.get_classifier().out_features == 3
    assert torch.equal(model.conv_stem.weight, lite0.conv_stem.weight)


def test_mapping_rejects_shape_mismatch() -> None:
    src = {"a.weight": torch.zeros(3, 3), "a.num_batches_tracked": torch.tensor(0)}
    with pytest.raises(PretrainedWeightsError, match="shape mismatch"):
        map_lite0_state_dict(src, {"b.weight": torch.zeros(3, 4)})
    with pytest.raises(PretrainedWeightsError, match="tensors"):
        map_lite0_state_dict(src, {"b.weight": torch.zeros(3, 3), "c": torch.zeros(1)})


@pytest.mark.parametrize("n", [1, 2])
def test_lite1_lite2_imagenet_classify_photos(n: int) -> None:
    try:
        lite_weights_path(f"lite{n}-imagenet")
    except PretrainedWeightsError as exc:
        pytest.skip(str(exc))
    model = create_classifier(f"tf_efficientnet_lite{n}", 1000, pretrained=f"lite{n}-imagenet").eval()
    for name, imagenet_class in (("chelsea", 285), ("coffee", 967)):
        cls, prob = _predict(model, getattr(skimage_data, name)())
        assert cls == imagenet_class and prob > 0.5, (n, name, cls, prob)
    with pytest.raises(PretrainedWeightsError, match="tf_efficientnet_lite0"):
        create_classifier("tf_efficientnet_lite0", 2, pretrained=f"lite{n}-imagenet")


def test_auto_weights_follow_the_backbone() -> None:
    from medlens.models.pretrained import default_weights

    assert default_weights("tf_efficientnet_lite0") == "lite0-imagenet"
    assert default_weights("tf_efficientnet_lite2") == "lite2-imagenet"
    assert default_weights("resnet18") is None
    with pytest.raises(PretrainedWeightsError, match="unknown weights"):
        lite_weights_path("lite9-imagenet")


def test_lite0_weights_only_fit_lite0() -> None:
    with pytest.raises(PretrainedWeightsError, match="resnet18"):
        create_classifier("resnet18", 2, pretrained="lite0-imagenet")
    with pytest.raises(PretrainedWeightsError, match="download"):
        create_classifier("resnet18", 2, pretrained=True)

"""The served numpy CAM (ONNX features + cam_head.npz) equals torch Grad-CAM, and it is faithful on a toy model.

For global average pooling + a linear head, Grad-CAM's channel weights are the class row of the linear
layer / (h*w), so the serving side (ReLU, divide by max) and pytorch-grad-cam (ReLU, min-max) give the
same map up to an affine rescaling: after min-max scaling both they must coincide.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")
pytest.importorskip("pytorch_grad_cam")
pytest.importorskip("onnxruntime")

from torch import nn  # noqa: E402

from medlens.card import DataInfo, ModelCard, Preprocessing  # noqa: E402
from medlens.explain import create_cam, deletion_auc, find_target_layers  # noqa: E402
from medlens.export import write_bundle  # noqa: E402
from medlens.serving import Predictor  # noqa: E402
from medlens.serving.cam import grad_cam  # noqa: E402
from medlens.serving.predictor import softmax  # noqa: E402
from medlens.serving.preprocessing import preprocess  # noqa: E402

SIZE = 64


def _bundle(model: nn.Module, out: Path, mean: float = 0.5, std: float = 0.5) -> Predictor:
    card = ModelCard(
        name="cam-agreement",
        task="melanoma",
        backbone=type(model).__name__,
        classes=["benign", "malignant"],
        preprocessing=Preprocessing(input_size=SIZE, mean=(mean,) * 3, std=(std,) * 3),
        data=DataInfo(dataset="synthetic"),
    )
    write_bundle(model.eval(), out, card, latency_runs=0)
    return Predictor.from_card(out, tta=False)


def _minmax(x: np.ndarray) -> np.ndarray:
    return (x - x.min()) / (x.max() - x.min())


@pytest.mark.slow
@pytest.mark.parametrize("backbone", ["tf_efficientnet_lite0", "resnet18"])
def test_serving_cam_equals_torch_gradcam(backbone: str, tmp_path: Path, rng: np.random.Generator) -> None:
    torch.manual_seed(0)
    model = timm.create_model(backbone, pretrained=False, num_classes=2).eval()
    predictor = _bundle(model, tmp_path / backbone)
    assert predictor.cam_head is not None and predictor.cam_head.kind == "linear"
    image = rng.integers(0, 256, (80, 72, 3), dtype=np.uint8)
    x = preprocess(image, predictor.card.preprocessing)[None]
    (layer,) = find_target_layers(model)
    acts: list[torch.Tensor] = []
    hook = layer.register_forward_hook(lambda _m, _i, out: acts.append(out.detach()))
    try:
        _, feats = predictor.forward(x, features=True)
        assert feats is not None
        compared = 0
        for cls in (0, 1):
            serving = cv2.resize(
                grad_cam(predictor.cam_head, feats[0], cls), (SIZE, SIZE), interpolation=cv2.INTER_LINEAR
            )
            with create_cam("gradcam", model, target_layers=[layer]) as cam:
                torch_map = cam(torch.from_numpy(x), target_class=cls)[0]
            if serving.std() == 0 or torch_map.std() == 0:  # ReLU removed everything: nothing to compare
                assert serving.max() == 0 or torch_map.std() == 0
                continue
            compared += 1
            assert np.corrcoef(serving.ravel(), torch_map.ravel())[0, 1] > 0.999
            np.testing.assert_allclose(_minmax(serving), _minmax(torch_map), atol=2e-3)
    finally:
        hook.remove()
    assert compared >= 1, "both class maps were empty; the test compared nothing"
    # the ONNX "features" output is the torch target layer's output (same layer, same numbers)
    np.testing.assert_allclose(acts[0].numpy(), feats, atol=1e-3, rtol=1e-3)


class _BrightnessNet(nn.Module):
    """Logit of class 1 = mean brightness of the 8x8-pooled image; class 0 = its negative.

    A timm-like toy (``forward_features`` / ``forward_head`` / ``get_classifier``) whose correct
    explanation is known: the bright pixels.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(1, 2)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[-8.0], [8.0]]))
            self.fc.bias.copy_(torch.tensor([1.0, -1.0]))

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.pool(x.mean(dim=1, keepdim=True)))

    def forward_head(self, feats: torch.Tensor) -> torch.Tensor:
        return self.fc(feats.mean(dim=(2, 3)))

    def get_classifier(self) -> nn.Module:
        return self.fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


def test_served_cam_deletion_beats_random(tmp_path: Path, rng: np.random.Generator) -> None:
    predictor = _bundle(_BrightnessNet(), tmp_path / "toy", mean=0.0, std=1.0)
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    image[8:32, 24:56] = 255  # one bright patch: the only evidence for class 1
    pred = predictor.predict(image, cam=True, cam_class="malignant")
    assert pred.label == "malignant" and pred.heatmap is not None
    assert pred.heatmap[8:32, 24:56].mean() > 3 * pred.heatmap[40:, :].mean()

    def score(batch: np.ndarray) -> np.ndarray:
        logits = predictor.logits_batch([b.astype(np.uint8) for b in batch])
        return softmax(logits)[:, 1]

    real = deletion_auc(score, image, pred.heatmap, steps=16)
    rand = [deletion_auc(score, image, rng.random(image.shape[:2]), steps=16) for _ in range(3)]
    assert real < min(rand) - 0.1, (real, rand)

"""Image ops built into an ONNX graph reproduce the numpy ops the Predictor applies, on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from PIL import Image

from medlens.card import Preprocessing
from medlens.data.image_ops import apply_ops
from medlens.export.graph_ops import graph_ops_supported, image_ops_nodes
from medlens.serving.preprocessing import normalize, resize_for_model

PP = Preprocessing(input_size=96, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), interpolation="area")


def _run_ops(ops: list[str], x: np.ndarray, opset: int = 17) -> np.ndarray:
    nodes, inits = image_ops_nodes(ops, PP, "x", "y", "t_", opset)
    shape = ["n", 3, PP.input_size, PP.input_size]
    graph = helper.make_graph(
        nodes,
        "ops",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(None, {"x": x})[0])


def _pixels(x: np.ndarray) -> np.ndarray:
    """Normalised N x 3 x S x S back to uint8-scale pixels."""
    mean = (np.asarray(PP.mean, np.float32) * 255.0).reshape(1, 3, 1, 1)
    std = (np.asarray(PP.std, np.float32) * 255.0).reshape(1, 3, 1, 1)
    return np.rint(x * std + mean)


@pytest.fixture(scope="module")
def photos(shared_data: Path) -> list[np.ndarray]:
    """Twelve Kaggle melanoma photos (both classes, some with a dark lens border), resized as served."""
    files = []
    for cls in ("benign", "malignant"):
        files += sorted((shared_data / "melanoma_10000" / "train" / cls).glob("*.jpg"))[:6]
    return [resize_for_model(np.asarray(Image.open(f).convert("RGB")), PP)[0] for f in files]


@pytest.mark.parametrize("ops", [["circle"], ["sog"], ["sog", "circle"]])
@pytest.mark.parametrize("opset", [17, 18])
def test_graph_ops_match_the_numpy_ops_on_real_photos(
    photos: list[np.ndarray], ops: list[str], opset: int
) -> None:
    x = np.stack([normalize(p, PP) for p in photos])
    expected = np.stack([apply_ops(p, ops).transpose(2, 0, 1) for p in photos]).astype(np.float64)
    got = _pixels(_run_ops(ops, x, opset))
    diff = np.abs(got - expected)
    assert diff.max() <= 1.0  # a truncation at a level boundary at most
    assert (diff == 0).mean() >= 0.999
    if "sog" in ops:  # the op did something: the colour cast changed
        assert np.abs(expected - np.stack([p.transpose(2, 0, 1) for p in photos])).mean() > 1.0
    # back in the model's input space, the member sees what the Predictor would feed it
    direct = np.stack([normalize(apply_ops(p, ops), PP) for p in photos])
    np.testing.assert_allclose(_run_ops(ops, x, opset), direct, atol=1.01 / (255 * min(PP.std)))


def test_an_all_black_photo_stays_black_and_unbuildable_ops_are_refused() -> None:
    black = normalize(np.zeros((PP.input_size, PP.input_size, 3), np.uint8), PP)[None]
    assert np.all(_pixels(_run_ops(["sog", "circle"], black)) == 0)
    assert graph_ops_supported(["sog", "lungcrop", "circle"]) == ["lungcrop"]
    with pytest.raises(ValueError, match="lungcrop cannot run inside an ONNX graph"):
        image_ops_nodes(["lungcrop"], PP, "x", "y", "t_", 17)

"""Dynamic int8 quantization of an exported ONNX model (ONNX Runtime's quantizer; needs ``onnx``).

Measured on the chest-xray bundle (EfficientNet-Lite0): quantizing every conv drops test AUROC from
0.956 to 0.73; keeping the stem conv (its input is the raw normalised image) and the depthwise convs
(few weights, slow as ConvInteger) in float keeps AUROC at 0.953 with a 3.3x smaller file.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def float_conv_nodes(model_path: Path) -> list[str]:
    """Conv nodes to keep in float: the first conv (stem) and every grouped (depthwise) conv."""
    import onnx

    graph = onnx.load(str(model_path)).graph
    convs = [n for n in graph.node if n.op_type == "Conv"]
    grouped = [n.name for n in convs if any(a.name == "group" and a.i > 1 for a in n.attribute)]
    return sorted(set(grouped + [c.name for c in convs[:1]]))


def quantize_int8(src: Path, dst: Path) -> Path:
    """Write a dynamically quantized (per-channel int8 weights) copy of ``src`` to ``dst``.

    Graph pre-processing (BN folding) runs first; the stem and depthwise convs stay float (see module doc).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    src, dst = Path(src), Path(dst)
    prepped = dst.with_name(dst.stem + ".prep.onnx")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs every tensor on the root logger
    try:
        quant_pre_process(str(src), str(prepped), skip_symbolic_shape=True)
        quantize_dynamic(
            str(prepped),
            str(dst),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=float_conv_nodes(prepped),
        )
    finally:
        root.setLevel(level)
        prepped.unlink(missing_ok=True)
    log.info(
        "quantized %s -> %s (%.1f MB -> %.1f MB)",
        src,
        dst,
        src.stat().st_size / 1e6,
        dst.stat().st_size / 1e6,
    )
    return dst

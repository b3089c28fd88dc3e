"""Image ops (:mod:`medlens.data.image_ops`) as ONNX nodes, so an ensemble member can keep its own input.

The Predictor applies a card's ``preprocessing.ops`` to the resized uint8 photo, then normalises it.
An ensemble graph has one input, so a member whose ops differ from the ensemble's gets them inside the
graph instead, on the normalised input it receives:

    pixels = round(x * std + mean)            # the uint8 photo back (0..255 scale)
    pixels = op_k(...(op_1(pixels)))          # each op as the numpy version computes it
    x_member = (pixels - mean) / std

``sog`` (Shades of Gray, p = 6) and ``circle`` (black outside the inscribed ellipse) are built; ``lungcrop``
(a data-dependent crop) cannot be, and is refused. The ops commute with the test-time views (flips and
quarter turns of a square input): Shades of Gray is a per-image channel gain and the inscribed circle is
symmetric, so the member sees each view of its own input. Float rounding can move a pixel by one level
against the numpy ops (truncation to uint8 at a boundary); ``tests/export/test_graph_ops.py`` bounds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from onnx import NodeProto, TensorProto, helper, numpy_helper

from medlens.card import Preprocessing
from medlens.data.image_ops import circle_mask
from medlens.registry import Registry

__all__ = ["GRAPH_OPS", "graph_ops_supported", "image_ops_nodes"]


class _Builder:
    """Accumulates nodes and constants under one name prefix."""

    def __init__(self, prefix: str, opset: int) -> None:
        self.prefix, self.opset = prefix, opset
        self.nodes: list[NodeProto] = []
        self.inits: list[TensorProto] = []
        self._n = 0

    def name(self, what: str) -> str:
        self._n += 1
        return f"{self.prefix}{what}{self._n}"

    def const(self, value: np.ndarray | float, what: str = "c") -> str:
        name = self.name(what)
        self.inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], **attrs: Any) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def reduce(self, op_type: str, x: str, axes: Sequence[int]) -> str:
        """ReduceMean / ReduceSum keeping dims; axes as an input from the opset that moved them there."""
        moved = 18 if op_type == "ReduceMean" else 13
        if self.opset >= moved:
            axes_name = self.name("axes")
            self.inits.append(numpy_helper.from_array(np.asarray(axes, np.int64), axes_name))
            return self.op(op_type, [x, axes_name], keepdims=1)
        return self.op(op_type, [x], axes=list(axes), keepdims=1)


GraphOp = Callable[[_Builder, str, int], str]
GRAPH_OPS: Registry[GraphOp] = Registry("graph image op")


@GRAPH_OPS.decorator("sog")
def _sog(b: _Builder, pixels: str, size: int, p: float = 6.0) -> str:
    """Shades of Gray on N x 3 x H x W pixels, as :func:`medlens.data.image_ops.shades_of_gray`."""
    illum = b.op("Pow", [b.reduce("ReduceMean", b.op("Pow", [pixels, b.const(p)]), (2, 3)), b.const(1.0 / p)])
    norm = b.op("Sqrt", [b.reduce("ReduceSum", b.op("Mul", [illum, illum]), (1,))])
    gain = b.op("Div", [b.op("Div", [norm, b.const(np.sqrt(3.0))]), b.op("Max", [illum, b.const(1e-6)])])
    return b.op("Floor", [b.op("Clip", [b.op("Mul", [pixels, gain]), b.const(0.0), b.const(255.0)])])


@GRAPH_OPS.decorator("circle")
def _circle(b: _Builder, pixels: str, size: int) -> str:
    """Black outside the inscribed circle, as :func:`medlens.data.image_ops.mask_circle`."""
    mask = circle_mask(size, size).astype(np.float32)[None, None]
    return b.op("Mul", [pixels, b.const(mask, "mask")])


def graph_ops_supported(ops: Sequence[str]) -> list[str]:
    """The ops of ``ops`` that cannot be built into a graph (empty when all can)."""
    return [name for name in ops if name not in GRAPH_OPS]


def image_ops_nodes(
    ops: Sequence[str], pp: Preprocessing, x: str, out: str, prefix: str, opset: int
) -> tuple[list[NodeProto], list[TensorProto]]:
    """Nodes (and constants) that map the normalised input ``x`` to ``out``: the same photo after ``ops``,
    normalised again. Raises ValueError for an op that cannot be built into a graph."""
    missing = graph_ops_supported(ops)
    if missing:
        raise ValueError(f"image op(s) {', '.join(missing)} cannot run inside an ONNX graph")
    b = _Builder(prefix, opset)
    mean = (np.asarray(pp.mean, np.float32) * 255.0).reshape(1, 3, 1, 1)
    std = (np.asarray(pp.std, np.float32) * 255.0).reshape(1, 3, 1, 1)
    mean_c, std_c = b.const(mean, "mean"), b.const(std, "std")
    pixels = b.op("Round", [b.op("Add", [b.op("Mul", [x, std_c]), mean_c])])
    for name in ops:
        pixels = GRAPH_OPS.get(name)(b, pixels, pp.input_size)
    b.nodes.append(helper.make_node("Div", [b.op("Sub", [pixels, mean_c]), std_c], [out]))
    return b.nodes, b.inits

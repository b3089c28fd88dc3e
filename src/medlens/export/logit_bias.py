"""A constant added to a bundle's logits inside its ONNX graph (logit adjustment, :mod:`medlens.evaluation.logit_adjust`).

The graph's ``logits`` output becomes ``logits_unadjusted + bias``; the feature-map output is untouched,
so the source gate's reference bank stays valid. The CAM head gets the same bias (it maps pooled features
to the graph's logits), which keeps it exact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import GraphProto, TensorProto, helper, numpy_helper

__all__ = ["add_logit_bias", "reroute_output"]


def reroute_output(graph: GraphProto, name: str, new_name: str) -> onnx.ValueInfoProto:
    """Rename the tensor ``name`` that the graph outputs to ``new_name`` wherever a node writes or reads it, so
    new nodes can compute a replacement ``name`` from it; returns the old output's value info (still listed)."""
    out = next((o for o in graph.output if o.name == name), None)
    if out is None:
        raise ValueError(f"the ONNX graph has no {name!r} output")
    for node in graph.node:
        node.output[:] = [new_name if n == name else n for n in node.output]
        node.input[:] = [new_name if n == name else n for n in node.input]
    return out


def add_logit_bias(src: Path, dst: Path, bias: np.ndarray) -> None:
    """Write ``src`` with ``logits = logits + bias`` (one value per logit) at ``dst``."""
    model = onnx.load(str(src))
    graph = model.graph
    out = reroute_output(graph, "logits", "logits_unadjusted")
    b = np.asarray(bias, np.float32).reshape(1, -1)
    dims = out.type.tensor_type.shape.dim
    n = dims[-1].dim_value if len(dims) == 2 else 0
    if n and n != b.shape[1]:
        raise ValueError(f"{b.shape[1]} bias values for {n} logits")
    graph.initializer.append(numpy_helper.from_array(b, "logit_bias"))
    graph.node.append(helper.make_node("Add", ["logits_unadjusted", "logit_bias"], ["logits"]))
    index = list(graph.output).index(out)
    graph.output.remove(out)
    graph.output.insert(
        index, helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", b.shape[1]])
    )
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))

"""A coarser-class bundle from a finer-class one, exactly: merged probabilities are sums of the fine ones.

The ONNX graph gets ``logits = concat_j logsumexp_{i in group j}(fine_logits_i / T)``: the softmax of
those logits is the sum of the calibrated fine probabilities of each group, so the new card's
temperature is 1 and a one-member group keeps its calibrated probability (and any threshold set on
it). The feature-map output is kept; the CAM head's row of a merged class is the mean of its members'
rows (exact for one-member groups, an approximation otherwise). The card is rewritten for the new
task and its metrics are filled in by the caller from an evaluation of the merged model.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from medlens.card import sha256_file
from medlens.export.logit_bias import reroute_output


def merge_groups(fine: Sequence[str], coarse: Sequence[str], mapping: Mapping[str, str]) -> list[list[int]]:
    """For each coarse class, the indices of the fine classes mapped to it (every class must be covered)."""
    missing = [c for c in fine if c not in mapping]
    if missing:
        raise ValueError(f"no mapping for fine class(es) {missing}")
    groups = [[i for i, c in enumerate(fine) if mapping[c] == k] for k in coarse]
    empty = [k for k, g in zip(coarse, groups, strict=True) if not g]
    if empty:
        raise ValueError(f"coarse class(es) {empty} get no fine class")
    return groups


def merge_onnx(src: Path, dst: Path, groups: Sequence[Sequence[int]], temperature: float) -> None:
    """Rewrite the ``logits`` output of ``src`` into merged, temperature-scaled group logits at ``dst``."""
    model = onnx.load(str(src))
    graph = model.graph
    out = reroute_output(graph, "logits", "fine_logits")
    graph.initializer.append(numpy_helper.from_array(np.array(temperature, np.float32), "merge_temperature"))
    graph.node.append(helper.make_node("Div", ["fine_logits", "merge_temperature"], ["fine_scaled"]))
    parts = []
    for j, group in enumerate(groups):
        idx = f"merge_idx_{j}"
        graph.initializer.append(numpy_helper.from_array(np.array(list(group), np.int64), idx))
        graph.node.append(helper.make_node("Gather", ["fine_scaled", idx], [f"merge_g{j}"], axis=1))
        graph.node.append(
            helper.make_node("ReduceLogSumExp", [f"merge_g{j}"], [f"merge_l{j}"], axes=[1], keepdims=1)
        )
        parts.append(f"merge_l{j}")
    graph.node.append(helper.make_node("Concat", parts, ["logits"], axis=1))
    graph.output.remove(out)
    graph.output.insert(0, helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, len(groups)]))
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def merge_bundle(
    src: Path,
    dst: Path,
    task: str,
    classes: Sequence[str],
    mapping: Mapping[str, str],
    name: str | None = None,
) -> dict[str, Any]:
    """Write the merged bundle (model.onnx, cam_head.npz, card.json) at ``dst``; returns the new card dict.

    The card keeps the source's preprocessing, TTA, threshold (only when the target class is a one-member
    group) and provenance; ``metrics`` and ``conformal`` (fitted on the fine classes) are cleared for the
    caller to fill in.
    """
    src, dst = Path(src), Path(dst)
    card = json.loads((src / "card.json").read_text())
    groups = merge_groups(card["classes"], classes, mapping)
    dst.mkdir(parents=True, exist_ok=True)
    merge_onnx(src / card["weights_file"], dst / "model.onnx", groups, float(card.get("temperature") or 1.0))
    new = dict(card)
    if card.get("cam_file"):
        cam = dict(np.load(src / card["cam_file"]))
        cam["fc_w"] = np.stack([cam["fc_w"][g].mean(axis=0) for g in groups])
        cam["fc_b"] = np.array([cam["fc_b"][g].mean() for g in groups])
        np.savez(dst / "cam_head.npz", **cam)
        new["cam_file"], new["cam_sha256"] = "cam_head.npz", sha256_file(dst / "cam_head.npz")
    gate = card.get("source_gate") or {}
    if gate.get("file"):
        # the merged graph keeps the feature output, so the source gate's reference bank stays valid as is;
        # without the file the card's sha256 would name a bank the folder lacks (or an older one)
        shutil.copy2(src / gate["file"], dst / gate["file"])
    thresholds = dict(card.get("thresholds") or {})
    fine_target = thresholds.get("target_class")
    target = mapping.get(fine_target) if fine_target else None
    if target is not None and len(groups[list(classes).index(target)]) == 1:
        thresholds["target_class"] = target
    else:
        thresholds = {"target_class": target, "threshold": None}
    new.update(
        name=name or dst.name,
        task=task,
        classes=list(classes),
        temperature=1.0,
        thresholds=thresholds,
        weights_file="model.onnx",
        weights_sha256=sha256_file(dst / "model.onnx"),
        weights_bytes=(dst / "model.onnx").stat().st_size,
        metrics={},
        conformal=None,
        export_command=(
            f"medlens.export.merge_classes.merge_bundle({src}, {dst}, task={task!r}) from classes "
            f"{card['classes']} by {dict(mapping)}"
        ),
    )
    (dst / "card.json").write_text(json.dumps(new, indent=1, ensure_ascii=False))
    return new


def copy_reports(files: Sequence[Path], dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, dst / Path(f).name)

"""Several bundles of one task -> one ensemble bundle: one ONNX graph, served like any other model.

The graph feeds the shared input to every member and outputs

* ``logits = mean_i(logits_i / T_i)``, the mean of the members' calibrated logits (the Predictor
  averages logits over its test-time views too, so TTA of the ensemble equals the ensemble of TTAs);
* ``features = concat_i(features_i)`` along channels (the members must share the feature grid).

Because the ensemble logits are linear in the members' pooled features, the CAM head is exact: its
weights are the members' heads side by side, each divided by ``k * T_i``. The card is calibrated,
thresholded and measured afresh on the exported graph (:func:`medlens.export.bundle._calibrate_and_test`)
on the members' shared split, and its source gate is refitted on the concatenated features.
Members must share task, classes, preprocessing and test-time views (image ops aside: a member whose ops
differ from the ensemble's applies them inside the graph, :mod:`medlens.export.graph_ops`, and the ensemble's
card keeps only the ops every member shares), and no member may have seen the
validation or test images of the ensemble: each member's split is the first member's (same fingerprint), or
is nested in it part by part (its train, val and test images are among the first member's train, val and
test images; e.g. a model trained on one source of a multi-source task), checked image by image.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx
from onnx import TensorProto, compose, helper, numpy_helper

from medlens.card import ModelCard, sha256_file
from medlens.export.graph_ops import graph_ops_supported, image_ops_nodes
from medlens.export.outdir import check_replaceable, move_into_place
from medlens.serving.cam import CamHead

__all__ = [
    "check_members",
    "ensemble_cam_head",
    "ensemble_onnx",
    "ensemble_ops",
    "export_ensemble",
    "split_nesting_problems",
]

if TYPE_CHECKING:
    from medlens.data.rebuild import RebuiltSplit

log = logging.getLogger(__name__)


def check_members(cards: Sequence[ModelCard]) -> None:
    """Raise ValueError unless the cards can form one ensemble (same task, classes, input, TTA).

    Their splits are checked against the data by :func:`check_member_splits`."""
    if len(cards) < 2:
        raise ValueError("an ensemble needs at least two bundles")
    first = cards[0]
    for card in cards[1:]:
        for what, a, b in (
            ("task", first.task, card.task),
            ("classes", first.classes, card.classes),
            ("heads", first.heads, card.heads),
            ("preprocessing", _input_spec(first), _input_spec(card)),
            ("test-time views", first.tta, card.tta),
        ):
            if a != b:
                raise ValueError(f"{card.name} and {first.name} differ in {what} ({b!r} vs {a!r})")
        if card.quantization != first.quantization:
            raise ValueError(f"{card.name} and {first.name} differ in quantization")
    if len({tuple(c.preprocessing.ops) for c in cards}) > 1:
        for card in cards:
            unbuildable = graph_ops_supported(card.preprocessing.ops)
            if unbuildable:
                raise ValueError(
                    f"{card.name}'s image ops differ from the other members' and {', '.join(unbuildable)} cannot "
                    "run inside the ensemble graph"
                )
    missing = [c.name for c in cards if not c.feature_output]
    if missing:
        raise ValueError(f"{', '.join(missing)}: no feature output to build the ensemble's CAM and gate from")


def _input_spec(card: ModelCard) -> dict[str, Any]:
    """The card's preprocessing without its image ops (members may differ in those)."""
    return card.preprocessing.model_dump(exclude={"ops"})


def ensemble_ops(cards: Sequence[ModelCard]) -> list[str]:
    """The image ops of the ensemble's input: the members' own when they all share them, else none (each
    member then applies its ops inside the graph)."""
    ops = {tuple(c.preprocessing.ops) for c in cards}
    return list(ops.pop()) if len(ops) == 1 else []


SPLIT_PARTS = ("train", "val", "test")


def split_nesting_problems(
    base: dict[str, set[str]], member: dict[str, set[str]], base_name: str = "the first member"
) -> list[str]:
    """Why a member's split (part -> image ids) is not nested in ``base``'s; empty when each part is inside
    the same part of ``base``. An image the member trained on that the ensemble validates or tests on, or
    one it validated on that the ensemble tests on, would leak."""
    problems = []
    for part in SPLIT_PARTS:
        outside = member.get(part, set()) - base.get(part, set())
        if not outside:
            continue
        where = [
            f"{len(outside & base.get(p, set()))} in its {p} part"
            for p in SPLIT_PARTS
            if outside & base.get(p, set())
        ]
        missing = len(outside - set().union(*(base.get(p, set()) for p in SPLIT_PARTS)))
        if missing:
            where.append(f"{missing} not in its split at all")
        problems.append(
            f"{len(outside)} of the member's {part} images are outside {base_name}'s {part} part ({', '.join(where)})"
        )
    return problems


def _split_parts(card: ModelCard) -> tuple[RebuiltSplit, dict[str, set[str]]]:
    """The card's split rebuilt from the data (strict: its fingerprint must match) and its parts as image ids."""
    from medlens.data.rebuild import facts_from_card, rebuild_split

    split = rebuild_split(facts_from_card(card), card.data.fingerprint, strict=True)
    samples = split.sample_set.samples
    return split, {p: {_image_id(samples[i].source) for i in split.manifest.splits[p]} for p in SPLIT_PARTS}


def _image_id(source: str) -> str:
    """A sample's source with its file path resolved, so two data roots spelled differently compare equal."""
    path, sep, key = source.partition("#")
    return str(Path(path).resolve()) + sep + key


def check_member_splits(cards: Sequence[ModelCard]) -> RebuiltSplit:
    """Rebuild the first member's split and check every other member's split is the same or nested in it.

    Returns the first member's rebuilt split. Raises ValueError naming the member and the leak."""
    base_split, base_parts = _split_parts(cards[0])
    for card in cards[1:]:
        if card.data.fingerprint == cards[0].data.fingerprint:
            continue
        try:
            _, parts = _split_parts(card)
        except ValueError as exc:
            raise ValueError(
                f"{card.name} and {cards[0].name} differ in split fingerprint, and {card.name}'s split cannot be "
                f"rebuilt to check it is nested: {exc}"
            ) from exc
        problems = split_nesting_problems(base_parts, parts, cards[0].name)
        if problems:
            raise ValueError(
                f"{card.name} and {cards[0].name} differ in split fingerprint and {card.name}'s split is not "
                f"nested in {cards[0].name}'s: " + "; ".join(problems)
            )
        log.info("%s: split nested in %s's (checked image by image)", card.name, cards[0].name)
    return base_split


def ensemble_onnx(cards: Sequence[ModelCard], dst: Path) -> None:
    """Write the ensemble graph of the members' ONNX models at ``dst`` (see the module docstring)."""
    loaded = [onnx.load(str(card.weights_path)) for card in cards]
    graphs = [compose.add_prefix(model, f"m{i}_") for i, model in enumerate(loaded)]
    opset = max(op.version for g in graphs for op in g.opset_import if op.domain in ("", "ai.onnx"))
    src = loaded[0]
    input_info = src.graph.input[0]
    nodes, inits = [], []
    k = len(cards)
    feature_names = []
    shared = ensemble_ops(cards)
    for i, (card, g) in enumerate(zip(cards, graphs, strict=True)):
        member_input = g.graph.input[0].name
        if card.preprocessing.ops != shared:
            op_nodes, op_inits = image_ops_nodes(
                card.preprocessing.ops, card.preprocessing, input_info.name, member_input, f"m{i}_ops_", opset
            )
            nodes.extend(op_nodes)
            inits.extend(op_inits)
        else:
            nodes.append(helper.make_node("Identity", [input_info.name], [member_input]))
        nodes.extend(g.graph.node)
        inits.extend(g.graph.initializer)
        scale = np.array(1.0 / (k * card.temperature), np.float32)
        inits.append(numpy_helper.from_array(scale, f"ens_scale{i}"))
        nodes.append(helper.make_node("Mul", [f"m{i}_logits", f"ens_scale{i}"], [f"ens_l{i}"]))
        feature_names.append(f"m{i}_{card.feature_output}")
    nodes.append(helper.make_node("Sum", [f"ens_l{i}" for i in range(k)], ["logits"]))
    nodes.append(helper.make_node("Concat", feature_names, ["features"], axis=1))
    n_logits = cards[0].label_schema().n_logits
    graph = helper.make_graph(
        nodes,
        "medlens_ensemble",
        [input_info],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", n_logits]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", None, None, None]),
        ],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = src.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def ensemble_cam_head(cards: Sequence[ModelCard]) -> CamHead | None:
    """The exact CAM head of the ensemble (linear member heads only; None otherwise)."""
    heads = [CamHead.load(c.directory / c.cam_file) if c.cam_file else None for c in cards]
    if any(h is None or h.kind != "linear" for h in heads):
        log.warning("a member has no linear CAM head: the ensemble bundle has no heatmap")
        return None
    k = len(cards)
    w = np.concatenate([h.fc_w / (k * c.temperature) for h, c in zip(heads, cards, strict=True) if h], axis=1)
    b = sum(h.fc_b / (k * c.temperature) for h, c in zip(heads, cards, strict=True) if h)
    return CamHead(kind="linear", fc_w=w, fc_b=np.asarray(b))


def _dry_run(path: Path, size: int) -> None:
    """Run the graph once on every output: members whose feature grids differ cannot be concatenated."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    try:
        sess.run(None, {sess.get_inputs()[0].name: np.zeros((1, 3, size, size), np.float32)})
    except Exception as exc:
        raise ValueError(f"the members' outputs cannot be combined (feature grids differ?): {exc}") from exc


def _member_entry(card: ModelCard) -> dict[str, Any]:
    return {
        "name": card.name,
        "backbone": card.backbone,
        "image_ops": list(card.preprocessing.ops),
        "data": card.data.dataset,
        "n_train": card.data.n_train,
        "weights_sha256": card.weights_sha256,
        "temperature": card.temperature,
        "training_command": card.training_command,
        "export_command": card.export_command,
        "test": card.metrics.get("test"),
    }


def export_ensemble(
    members: Sequence[Path],
    out_dir: Path,
    name: str | None = None,
    target_recall: float | None = None,
    command: str = "",
    latency_runs: int = 100,
    n_boot: int = 1000,
    recall_confidence: float | None = None,
) -> ModelCard:
    """Write the ensemble bundle of ``members`` into ``out_dir``, calibrated and measured on their split.
    ``target_recall`` and ``recall_confidence`` default to the first member's."""
    cards = [ModelCard.load(Path(m)) for m in members]
    check_members(cards)
    out_dir = Path(out_dir)
    if any(out_dir.resolve() == c.directory.resolve() for c in cards):
        raise ValueError(f"{out_dir} is a member's folder: write the ensemble elsewhere")
    check_replaceable(out_dir)
    split = check_member_splits(cards)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:  # built aside and moved into place whole: a failure leaves no half-written bundle
        _build(
            cards,
            split,
            work,
            name or out_dir.name,
            target_recall,
            command,
            latency_runs,
            n_boot,
            recall_confidence,
        )
        move_into_place(work, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ModelCard.load(out_dir)


def _build(
    cards: Sequence[ModelCard],
    split: RebuiltSplit,
    out_dir: Path,
    name: str,
    target_recall: float | None,
    command: str,
    latency_runs: int,
    n_boot: int,
    recall_confidence: float | None = None,
) -> None:
    from medlens.export.bundle import _calibrate_and_test, _fill_weights_facts, _split_images
    from medlens.serving.latency import hardware_summary
    from medlens.serving.source_gate_bundle import fit_source_gate
    from medlens.tasks import get_task

    base = cards[0]
    card = base.model_copy(deep=True)
    card._dir = out_dir
    card.name = name
    card.backbone = "ensemble(" + " + ".join(c.backbone for c in cards) + ")"
    card.temperature = 1.0
    card.weights_file, card.feature_output = "model.onnx", "features"
    card.preprocessing.ops = ensemble_ops(cards)
    card.source_gate, card.conformal, card.ood, card.lineage = None, None, None, None
    card.export_command = command
    card.training_command = " && ".join(c.training_command for c in cards)  # the first names the split
    card.params = sum(c.params or 0 for c in cards) or None
    card.macs = sum(c.macs or 0 for c in cards) or None
    card.limitations = [
        *base.limitations,
        f"Ensemble of {len(cards)} models ({', '.join(c.name for c in cards)}): the mean of their calibrated "
        "logits; it costs the sum of their inference times.",
    ]
    ensemble_onnx(cards, out_dir / card.weights_file)
    _dry_run(out_dir / card.weights_file, card.preprocessing.input_size)
    head = ensemble_cam_head(cards)
    if head is not None:
        path = head.save(out_dir / "cam_head.npz")
        card.cam_file, card.cam_sha256 = path.name, sha256_file(path)
    else:
        card.cam_file, card.cam_sha256 = None, ""
    _fill_weights_facts(card, out_dir, latency_runs)
    card.latency_hardware = hardware_summary() if latency_runs else card.latency_hardware
    data_split = _split_images((split.sample_set, split.manifest))
    spec = get_task(card.task)
    recall = float(target_recall or base.thresholds.target_recall or spec.target_recall)
    confidence = recall_confidence or base.thresholds.recall_confidence
    _calibrate_and_test(card, data_split, spec.target, recall, n_boot, confidence)
    card.metrics["source"] = (
        f"exported ensemble ONNX model on the members' test split (served TTA: {card.tta or 'none'}), "
        "calibrated on their val split"
    )
    card.metrics["members"] = [_member_entry(c) for c in cards]
    fit_source_gate(card, split.sample_set, split.manifest.splits, "the members' split (card fingerprint)",
                    command=command)  # fmt: skip
    card.save(out_dir)

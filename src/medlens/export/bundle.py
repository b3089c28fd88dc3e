"""Training run folder -> bundled model folder (``model.onnx``, ``cam_head.npz``, ``card.json``).

The card is built once in memory (:func:`~medlens.export.card_builder.card_from_run`), completed by
the file work (hashes, CAM head, params, MACs, latency) and the calibration on the exported model,
and written once at the end.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from medlens.card import ModelCard, sha256_file
from medlens.data.sample import SampleSet
from medlens.data.splits import SplitManifest
from medlens.export.cam import extract_cam_head
from medlens.export.card_builder import card_from_run
from medlens.export.onnx import export_onnx
from medlens.export.profile import count_params_macs
from medlens.serving.latency import hardware_summary, measure_onnx_latency

log = logging.getLogger(__name__)


def _write_model_files(
    model: nn.Module, out_dir: Path, card: ModelCard, opset: int, latency_runs: int
) -> None:
    """ONNX + CAM head into ``out_dir``; fill the card's hashes, sizes, params, MACs and latency."""
    size = card.preprocessing.input_size
    export_onnx(model, out_dir / card.weights_file, size, opset=opset)
    head = extract_cam_head(model, input_size=size)
    if head is not None:
        cam_path = head.save(out_dir / "cam_head.npz")
        card.cam_file, card.cam_sha256 = cam_path.name, sha256_file(cam_path)
    else:
        card.cam_file, card.cam_sha256 = None, ""
    card.params, card.macs = count_params_macs(model, size)
    _fill_weights_facts(card, out_dir, latency_runs)
    card.latency_hardware = hardware_summary() if latency_runs else card.latency_hardware


def _fill_weights_facts(card: ModelCard, out_dir: Path, latency_runs: int) -> None:
    path = out_dir / card.weights_file
    card.weights_sha256, card.weights_bytes = sha256_file(path), path.stat().st_size
    if latency_runs:
        size = card.preprocessing.input_size
        card.latency_ms = round(measure_onnx_latency(path, size, runs=latency_runs), 3)
        b32 = measure_onnx_latency(path, size, runs=max(3, latency_runs // 20), batch=32)
        card.latency_batch32_ips = round(32_000 / b32, 1)
        card.latency_q1_ms = card.latency_q3_ms = None
        card.latency_method = (
            f"at export, median of {latency_runs} calls, batch 1, ONNX Runtime's default threads; "
            "with whatever else the machine was running then (`medlens retime` re-measures on an idle machine)"
        )


def write_bundle(
    model: nn.Module, out_dir: Path, card: ModelCard, opset: int = 17, latency_runs: int = 100
) -> ModelCard:
    """Export ``model`` into ``out_dir`` (model.onnx, cam_head.npz, card.json) and complete ``card``.

    Fills weights hash/size, CAM head, params, MACs and measured latency; returns the saved card.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_model_files(model, out_dir, card, opset, latency_runs)
    card.save(out_dir)
    return ModelCard.load(out_dir)


def _run_split(config: dict, run_dir: Path) -> tuple[SampleSet, SplitManifest] | None:
    """The run's dataset and its checked split.json (None when the data is absent here)."""
    from medlens.data import create_dataset
    from medlens.data.rebuild import resolve_data_root

    root = resolve_data_root(config["data_root"])
    try:
        sample_set = create_dataset(config["dataset"], root)
    except (OSError, ValueError) as exc:  # data absent here: the card keeps the run's own numbers
        log.warning(
            "cannot load %s at %s (%s); card keeps the training run's metrics", config["dataset"], root, exc
        )
        return None
    manifest = SplitManifest.load(run_dir / "split.json")
    manifest.check(sample_set)
    return sample_set, manifest


def _split_images(split: tuple[SampleSet, SplitManifest]) -> dict[str, Any]:
    """Decoded original images + labels of the run's val and test splits (and ``val_sources``)."""
    from medlens.data.sources import sources_of

    sample_set, manifest = split
    out: dict[str, Any] = {
        name: (
            [sample_set.samples[i].load_image() for i in manifest.splits[name]],
            np.array([sample_set.samples[i].label for i in manifest.splits[name]]),
        )
        for name in ("val", "test")
    }
    out["val_sources"] = sources_of(sample_set)[np.asarray(manifest.splits["val"], dtype=np.int64)]
    return out


def export_run(
    run_dir: str | Path,
    out_dir: str | Path,
    name: str | None = None,
    int8: bool = False,
    opset: int = 17,
    latency_runs: int = 100,
    command: str = "",
    n_boot: int = 1000,
    target_recall: float | None = None,
    recall_confidence: float | None = None,
) -> ModelCard:
    """Training run folder -> bundled model folder (model.onnx, cam_head.npz, card.json).

    Calibration (temperature, operating threshold, OOD gate) and test metrics with 95% CIs are
    recomputed from the *exported* model's logits on the run's val/test splits (with the same
    test-time views the Predictor applies), so the card describes what is served; the run's own
    (torch, TTA) numbers are kept under ``metrics["training_run"]``. With ``int8`` the bundle holds the
    dynamically quantized model and its accuracy cost is recorded. ``recall_confidence``: the operating
    threshold must reach ``target_recall`` with the validation recall's lower bound at that confidence.
    """
    from medlens.models import load_checkpoint
    from medlens.tasks import get_task

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model, config = load_checkpoint(run_dir / "best.pt")
    run_metrics = json.loads((run_dir / "metrics.json").read_text())
    spec = get_task(config["task"])
    card = card_from_run(spec, config, run_metrics, name or out_dir.name, command)
    card._dir = out_dir
    _write_model_files(model, out_dir, card, opset, latency_runs)
    split = _run_split(config, run_dir)
    if spec.schema.plain and split is not None:
        data_split = _split_images(split)
        recall = float(target_recall or config.get("target_recall") or spec.target_recall)
        fp32_test = _calibrate_and_test(card, data_split, spec.target, recall, n_boot, recall_confidence)
        if int8:
            _quantize_in_place(card, out_dir, latency_runs)
            _calibrate_and_test(card, data_split, spec.target, recall, n_boot, recall_confidence)
            card.metrics["fp32_test"] = fp32_test
            card.metrics["source"] += "; weights int8 (fp32_test: the same model before quantization)"
    if split is not None and card.feature_output:  # images far from every training source -> refer
        from medlens.serving.source_gate_bundle import fit_source_gate

        fit_source_gate(card, split[0], split[1].splits, f"the training run's split ({run_dir}/split.json)",
                        command=command)  # fmt: skip
    card.metrics["training_run"] = {
        k: run_metrics.get(k)
        for k in ("test", "operating_point", "temperature", "ece_before", "ece_after", "tta")
    }
    card.save(out_dir)
    return ModelCard.load(out_dir)


def _calibrate_and_test(
    card: ModelCard,
    data_split: dict,
    target: str | None,
    recall: float,
    n_boot: int,
    recall_confidence: float | None = None,
) -> dict:
    """Fit temperature / threshold / OOD gate / conformal sets on the bundle's val logits, measure test;
    update ``card``."""
    from medlens.serving.conformal import fit_block
    from medlens.serving.evaluate import calibrate, evaluate_test
    from medlens.serving.predictor import Predictor, softmax

    predictor = Predictor.from_card(card)
    (vl, vy), (tl, ty) = (
        (predictor.logits_batch(data_split[k][0]), data_split[k][1]) for k in ("val", "test")
    )
    card.temperature, card.thresholds, card.ood = calibrate(
        vl,
        vy,
        card.classes,
        target,
        recall,
        val_sources=data_split.get("val_sources"),
        recall_confidence=recall_confidence,
    )
    test = evaluate_test(tl, ty, card.classes, card.temperature, card.thresholds, n_boot=n_boot)
    card.conformal = fit_block(
        softmax(vl, card.temperature),
        vy,
        card.classes,
        target,
        test=(softmax(tl, card.temperature), ty),
        calibration="val split of the training run (its split.json)",
        command=card.export_command,
    )
    card.metrics = {
        "source": f"exported ONNX model on the test split (served TTA: {card.tta or 'none'}), calibrated on val",
        "test": test,
    }
    return test


def _quantize_in_place(card: ModelCard, out_dir: Path, latency_runs: int) -> None:
    """Replace the bundle's model with its dynamically quantized int8 version."""
    from medlens.serving.quantize import quantize_int8

    fp32 = out_dir / "model.fp32.onnx"
    (out_dir / card.weights_file).replace(fp32)
    quantize_int8(fp32, out_dir / card.weights_file)
    fp32.unlink()
    card.quantization = "int8-dynamic (ONNX Runtime, per-channel QInt8 weights)"
    _fill_weights_facts(card, out_dir, latency_runs)

"""Export a trained classifier to ONNX (outputs "logits" and "features") plus its Grad-CAM head.

``export_onnx`` writes a model with a dynamic batch axis; ``extract_cam_head`` saves the layers after
global pooling so serving can compute Grad-CAM in numpy; ``count_params_macs`` counts conv/linear
multiply-accumulates with forward hooks. Turning a training run folder into a bundled model
(card + ONNX) is ``export_run``; ``write_bundle`` does the file work for any model + card.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from medlens.card import ModelCard
from medlens.serving.cam import CamHead

log = logging.getLogger(__name__)


class OnnxExportWrapper(nn.Module):
    """``x -> (logits, features)``; multi-head dict outputs are concatenated in key order."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.model.forward_features(x)  # type: ignore[operator]
        logits = self.model.forward_head(feats)  # type: ignore[operator]
        if isinstance(logits, dict):
            logits = torch.cat(list(logits.values()), dim=1)
        return logits, feats


def export_onnx(model: nn.Module, path: str | Path, input_size: int, opset: int = 17) -> Path:
    """Write ``model`` (eval mode) as ONNX with input "input" (N,3,S,S) and outputs "logits", "features"."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = OnnxExportWrapper(model).eval()
    dummy = torch.zeros(1, 3, input_size, input_size)
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (dummy,),
            str(path),
            input_names=["input"],
            output_names=["logits", "features"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    return path


def _final_linear(model: nn.Module) -> tuple[nn.Module, np.ndarray, np.ndarray] | None:
    """(backbone, W, b) of the last linear layer; multi-head models concatenate their heads' rows."""
    t = lambda p: p.detach().cpu().numpy().astype(np.float32)  # noqa: E731
    heads = getattr(model, "heads", None)
    if isinstance(heads, nn.ModuleDict) and all(isinstance(h, nn.Linear) for h in heads.values()):
        w = np.concatenate([t(h.weight) for h in heads.values()])
        b = np.concatenate(
            [
                t(h.bias) if h.bias is not None else np.zeros(h.out_features, np.float32)
                for h in heads.values()
            ]
        )
        return getattr(model, "backbone", model), w, b
    fc = model.get_classifier() if hasattr(model, "get_classifier") else None  # type: ignore[operator]
    if isinstance(fc, nn.Linear):
        b = t(fc.bias) if fc.bias is not None else np.zeros(fc.out_features, np.float32)
        return model, t(fc.weight), b
    return None


def _candidate_heads(model: nn.Module) -> list[CamHead]:
    """CAM head descriptions that might match this model (checked numerically by the caller)."""
    t = lambda p: p.detach().cpu().numpy().astype(np.float32)  # noqa: E731
    found = _final_linear(model)
    if found is None:
        return []
    base, w, b = found
    out: list[CamHead] = []
    norm = getattr(getattr(base, "head", None), "norm", None)
    if isinstance(norm, nn.LayerNorm):
        out.append(CamHead("norm_linear", w, b, t(norm.weight), t(norm.bias), float(norm.eps)))
    conv_head = getattr(base, "conv_head", None)
    if isinstance(conv_head, nn.Conv2d) and isinstance(getattr(base, "act2", None), nn.Hardswish):
        pw = t(conv_head.weight)[:, :, 0, 0]
        pb = t(conv_head.bias) if conv_head.bias is not None else np.zeros(pw.shape[0], np.float32)
        out.append(CamHead("mlp_linear", w, b, pre_w=pw, pre_b=pb))
    out.append(CamHead("linear", w, b))
    return out


def extract_cam_head(model: nn.Module, input_size: int = 64, tol: float = 1e-3) -> CamHead | None:
    """Find the head after global average pooling and check it reproduces the model's logits."""
    model = model.eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, input_size, input_size, generator=gen)
    with torch.no_grad():
        logits, feats = OnnxExportWrapper(model)(x)
    pooled = feats.mean(dim=(2, 3)).numpy()
    for cand in _candidate_heads(model):
        if cand.fc_w.shape[0] != logits.shape[1] or cand.fc_w.shape[1] != (
            cand.pre_w.shape[0] if cand.pre_w is not None else pooled.shape[1]
        ):
            continue
        err = float(np.abs(cand.logits(pooled) - logits.numpy()).max())
        if err <= tol:
            return cand
        log.debug("CAM head %s does not match (max err %.2g)", cand.kind, err)
    log.warning("no CAM head matches %s; heatmaps will be unavailable", type(model).__name__)
    return None


def count_params_macs(model: nn.Module, input_size: int) -> tuple[int, int]:
    """(parameters, multiply-accumulates per image) counting Conv2d and Linear layers via forward hooks."""
    macs = 0

    def conv_hook(m: nn.Conv2d, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal macs
        kh, kw = m.kernel_size
        macs += int(out[0].numel()) * (m.in_channels // m.groups) * kh * kw

    def linear_hook(m: nn.Linear, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal macs
        macs += int(out[0].numel()) * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 3, input_size, input_size))
    finally:
        for h in hooks:
            h.remove()
    params = sum(p.numel() for p in model.parameters())
    return int(params), int(macs)


def measure_onnx_latency(
    path: Path, input_size: int, runs: int = 100, batch: int = 1, threads: int | None = None
) -> float:
    """Median wall time in ms of one ONNX Runtime call on a (batch, 3, S, S) input (after 5 warm-ups)."""
    import time

    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((batch, 3, input_size, input_size)).astype(np.float32)
    for _ in range(5):
        sess.run(["logits"], {"input": x})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sess.run(["logits"], {"input": x})
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def hardware_summary() -> str:
    """Short CPU description for latency numbers (model name, cores)."""
    import os
    import platform

    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} logical cores, ONNX Runtime CPU"


def write_bundle(
    model: nn.Module, out_dir: Path, card: ModelCard, opset: int = 17, latency_runs: int = 100
) -> ModelCard:
    """Export ``model`` into ``out_dir`` (model.onnx, cam_head.npz, card.json) and complete ``card``.

    Fills weights hash/size, CAM head, params, MACs and measured latency; returns the saved card.
    """
    from medlens.card import sha256_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    size = card.preprocessing.input_size
    onnx_path = export_onnx(model, out_dir / card.weights_file, size, opset=opset)
    head = extract_cam_head(model, input_size=size)
    if head is not None:
        cam_path = head.save(out_dir / "cam_head.npz")
        card.cam_file, card.cam_sha256 = cam_path.name, sha256_file(cam_path)
    else:
        card.cam_file, card.cam_sha256 = None, ""
    card.weights_sha256 = sha256_file(onnx_path)
    card.weights_bytes = onnx_path.stat().st_size
    card.params, card.macs = count_params_macs(model, size)
    if latency_runs:
        card.latency_ms = round(measure_onnx_latency(onnx_path, size, runs=latency_runs), 3)
        card.latency_hardware = hardware_summary()
        b32 = measure_onnx_latency(onnx_path, size, runs=max(3, latency_runs // 20), batch=32)
        card.latency_batch32_ips = round(32_000 / b32, 1)
    card.save(out_dir / "card.json")
    return ModelCard.load(out_dir)


TASK_LIMITS: dict[str, list[str]] = {
    "chest-xray": [
        "Trained on PneumoniaMNIST: tiny 28x28 grayscale paediatric chest X-rays (Guangzhou); it has never "
        "seen full-resolution, adult or other hospitals' images and will not transfer to them reliably.",
        "Separates 'normal' from 'pneumonia' only; it cannot detect any other finding.",
    ],
    "melanoma": [
        "Trained on one Kaggle dermoscopy-style collection (300x300 JPEGs); phone photos, other skin tones and "
        "other cameras were not represented in testing.",
        "Binary benign/malignant only; rare lesion types may be scored arbitrarily.",
    ],
    "skin-lesion": [
        "Trained on HAM10000 low-resolution (200x150) dermoscopy images from two centres (Austria, Australia), "
        "mostly fair skin; not validated on phone photos or darker skin.",
        "HAM10000 is CC BY-NC 4.0: the model must not be used commercially.",
    ],
}
COMMON_LIMITS = [
    "Not a medical device and not a diagnosis: a screening aid whose results a clinician must confirm.",
    "Inputs far from the training data are flagged by an energy OOD gate fitted on validation data (99th "
    "percentile), which catches only some of them.",
]


def _dataset_label(config: dict) -> str:
    """``melanoma_10000/train (imagefolder)``: the data folder below ``data/`` plus the adapter name."""
    parts = Path(config["data_root"]).parts
    tail = "/".join(parts[parts.index("data") + 1 :]) if "data" in parts else Path(config["data_root"]).name
    return f"{tail or config['data_root']} ({config['dataset']})"


def _resolve_root(root: str) -> Path:
    """A run's data root, as written (relative to the working directory) or under the shared data folder."""
    p = Path(root)
    if p.exists():
        return p
    from medlens.config import default_data_root

    for parent in (default_data_root(), default_data_root().parent):
        cand = parent / p.name if parent == default_data_root() else parent / p
        if cand.exists():
            return cand
    return p


def _split_images(config: dict, run_dir: Path) -> dict[str, tuple[list[np.ndarray], np.ndarray]] | None:
    """Decoded original images + labels of the run's val and test splits (None when the data is absent)."""
    from medlens.data import create_dataset
    from medlens.data.splits import SplitManifest

    root = _resolve_root(config["data_root"])
    try:
        sample_set = create_dataset(config["dataset"], root)
    except Exception as exc:  # data absent here: fall back to the run's own numbers
        log.warning(
            "cannot load %s at %s (%s); card keeps the training run's metrics", config["dataset"], root, exc
        )
        return None
    manifest = SplitManifest.load(run_dir / "split.json")
    manifest.check(sample_set)
    splits = manifest.splits
    return {
        name: (
            [sample_set.samples[i].load_image() for i in splits[name]],
            np.array([sample_set.samples[i].label for i in splits[name]]),
        )
        for name in ("val", "test")
    }


def export_run(
    run_dir: str | Path,
    out_dir: str | Path,
    name: str | None = None,
    int8: bool = False,
    opset: int = 17,
    latency_runs: int = 100,
    command: str = "",
    n_boot: int = 1000,
) -> ModelCard:
    """Training run folder -> bundled model folder (model.onnx, cam_head.npz, card.json).

    Calibration (temperature, operating threshold, OOD gate) and test metrics with 95% CIs are
    recomputed from the *exported* model's logits on the run's val/test splits (with the same test-time flips the Predictor applies), so the card
    describes what is served; the run's own (torch, TTA) numbers are kept under ``metrics["training_run"]``.
    With ``int8`` the bundle holds the dynamically quantized model and its accuracy cost is recorded.
    """
    import json

    from medlens.card import DataInfo, OODGate, Preprocessing, Thresholds
    from medlens.models import load_checkpoint
    from medlens.tasks import get_task

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    model, config = load_checkpoint(run_dir / "best.pt")
    run_metrics = json.loads((run_dir / "metrics.json").read_text())
    spec = get_task(config["task"])
    run = run_metrics.get("run", {})
    data = run_metrics.get("data", {})
    card = ModelCard(
        name=name or out_dir.name,
        task=config["task"],
        backbone=config["backbone"],
        created=__import__("datetime").datetime.now(__import__("datetime").UTC).isoformat(timespec="seconds"),
        classes=list(config["classes"]),
        heads={h.name: list(h.classes) for h in spec.heads} if spec.multi_head else {},
        preprocessing=Preprocessing(
            input_size=int(config["input_size"]),
            mean=tuple(config["mean"]),
            std=tuple(config["std"]),
            interpolation=config.get("interpolation", "area/bilinear"),
            resize=config.get("resize", "squash"),
            grayscale=bool(config.get("grayscale", False)),
            ops=list(config.get("image_ops", [])),
        ),
        temperature=float(run_metrics.get("temperature", 1.0)),
        tta=[op for op in run_metrics.get("tta", config.get("tta", [])) if op in ("hflip", "vflip")],
        thresholds=Thresholds(
            **{
                k: v
                for k, v in run_metrics.get("operating_point", {}).items()
                if k in Thresholds.model_fields
            }
        ),
        ood=OODGate(method="energy", threshold=run_metrics["ood"]["threshold"])
        if "ood" in run_metrics
        else None,
        metrics={"source": "training run (torch)", "test": run_metrics.get("test", {})},
        data=DataInfo(
            dataset=_dataset_label(config),
            source=data.get("source", ""),
            license=data.get("license", ""),
            split=f"{run.get('split_method', config.get('split', ''))} split, fractions {config.get('fractions')}, seed {config.get('seed')}",
            fingerprint=run.get("split_fingerprint", ""),
            n_train=int(run.get("n_train", 0)),
            n_val=int(run.get("n_val", 0)),
            n_test=int(run.get("n_test", 0)),
        ),
        training_command=config.get("command", ""),
        limitations=[
            *TASK_LIMITS.get(config["task"], []),
            f"Input is resized to {config['input_size']}x{config['input_size']} px; finer detail is lost.",
            *COMMON_LIMITS,
        ],
    )
    card = write_bundle(model, out_dir, card, opset=opset, latency_runs=latency_runs)
    card.export_command = command
    training_run = {
        k: run_metrics.get(k)
        for k in ("test", "operating_point", "temperature", "ece_before", "ece_after", "tta")
    }
    if not spec.multi_head and (data_split := _split_images(config, run_dir)) is not None:
        recall = float(config.get("target_recall") or spec.target_recall)
        fp32_test = _calibrate_and_test(card, out_dir, data_split, spec.target, recall, n_boot)
        if int8:
            _quantize_in_place(card, out_dir, latency_runs)
            _calibrate_and_test(card, out_dir, data_split, spec.target, recall, n_boot)
            card.metrics["fp32_test"] = fp32_test
            card.metrics["source"] += "; weights int8 (fp32_test: the same model before quantization)"
    card.metrics["training_run"] = training_run
    card.save(out_dir / "card.json")
    return ModelCard.load(out_dir)


def _calibrate_and_test(
    card: ModelCard, out_dir: Path, data_split: dict, target: str | None, recall: float, n_boot: int
) -> dict:
    """Fit temperature / threshold / OOD gate on the bundle's val logits, measure test; update ``card``."""
    from medlens.serving.evaluate import calibrate, evaluate_test
    from medlens.serving.predictor import Predictor

    predictor = Predictor.from_card(out_dir)
    (vl, vy), (tl, ty) = (
        (predictor.logits_batch(data_split[k][0]), data_split[k][1]) for k in ("val", "test")
    )
    card.temperature, card.thresholds, card.ood = calibrate(vl, vy, card.classes, target, recall)
    test = evaluate_test(tl, ty, card.classes, card.temperature, card.thresholds, n_boot=n_boot)
    card.metrics = {
        "source": f"exported ONNX model on the test split (served TTA: {card.tta or 'none'}), calibrated on val",
        "test": test,
    }
    card.save(out_dir / "card.json")
    return test


def _quantize_in_place(card: ModelCard, out_dir: Path, latency_runs: int) -> None:
    """Replace the bundle's model with its dynamically quantized int8 version."""
    from medlens.card import sha256_file
    from medlens.serving.quantize import quantize_int8

    fp32 = out_dir / "model.fp32.onnx"
    (out_dir / card.weights_file).replace(fp32)
    quantize_int8(fp32, out_dir / card.weights_file)
    fp32.unlink()
    card.weights_sha256 = sha256_file(out_dir / card.weights_file)
    card.weights_bytes = (out_dir / card.weights_file).stat().st_size
    card.quantization = "int8-dynamic (ONNX Runtime, per-channel QInt8 weights)"
    if latency_runs:
        path, size = out_dir / card.weights_file, card.preprocessing.input_size
        card.latency_ms = round(measure_onnx_latency(path, size, latency_runs), 3)
        b32 = measure_onnx_latency(path, size, runs=max(3, latency_runs // 20), batch=32)
        card.latency_batch32_ips = round(32_000 / b32, 1)
    card.save(out_dir / "card.json")

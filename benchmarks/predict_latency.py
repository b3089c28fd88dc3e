"""Prediction speed: torch eager vs ONNX Runtime per backbone family, and the bundled models end to end.

    nice -n 10 .venv/bin/python benchmarks/predict_latency.py [--runs 100] [--models models] [--image IMG]

Per backbone family (random-init weights, 224 px): median batch-1 latency over ``--runs`` calls and batch-32
throughput (images/s) for torch eager and ONNX Runtime, and the Predictor end to end (with Grad-CAM) on a
bundle of that model. Per bundled model: bare ONNX batch-1 latency
(one forward pass), the Predictor's end-to-end time on a real image file (decode + preprocess + model
with the card's TTA + Grad-CAM + overlay), and their ratio. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from medlens.serving.latency import median_ms

FAMILIES = ["resnet18", "tf_efficientnet_lite0", "densenet121", "convnext_atto", "mobilenetv3_small_100"]


def throughput(fn: Callable[[], object], batch: int, runs: int = 3) -> float:
    fn()
    return batch / (median_ms(fn, runs, warmup=0) / 1000)


def bench_family(name: str, size: int, runs: int, threads: int, image: Path | None) -> dict:
    import onnxruntime as ort
    import torch

    from medlens.export import export_onnx
    from medlens.models import create_classifier

    torch.set_num_threads(threads)
    model = create_classifier(name, num_classes=2).eval()
    x1 = torch.randn(1, 3, size, size)
    x32 = torch.randn(32, 3, size, size)
    with tempfile.TemporaryDirectory() as tmp:
        path = export_onnx(model, Path(tmp) / "m.onnx", size)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    with torch.inference_mode():
        t1 = median_ms(lambda: model(x1), runs)
        t32 = throughput(lambda: model(x32), 32)
    a1, a32 = x1.numpy(), x32.numpy()
    o1 = median_ms(lambda: sess.run(["logits"], {"input": a1}), runs)
    o32 = throughput(lambda: sess.run(["logits"], {"input": a32}), 32)
    e2e = e2e_ms(model, name, size, image, runs, threads) if image is not None else float("nan")
    return {
        "model": name,
        "size": size,
        "torch_ms": t1,
        "onnx_ms": o1,
        "torch_ips32": t32,
        "onnx_ips32": o32,
        "e2e_cam_ms": e2e,
        "ratio": e2e / o1,
    }


def e2e_ms(model, name: str, size: int, image: Path, runs: int, threads: int) -> float:
    """Predictor end to end (decode + preprocess + model + Grad-CAM overlay) for a bundle of ``model``."""
    from medlens.card import DataInfo, ModelCard, Preprocessing
    from medlens.export import write_bundle
    from medlens.serving import Predictor, read_any_image

    card = ModelCard(
        name=name,
        task="melanoma",
        backbone=name,
        classes=["benign", "malignant"],
        preprocessing=Preprocessing(input_size=size, interpolation="area/bilinear"),
        data=DataInfo(dataset="none"),
    )
    with tempfile.TemporaryDirectory() as tmp:
        write_bundle(model, Path(tmp), card, latency_runs=0)
        pred = Predictor.from_card(tmp, threads=threads)
        return median_ms(lambda: pred.predict(read_any_image(image), cam=True), runs)


def bench_bundle(card_dir: Path, image: Path, runs: int, threads: int) -> dict:
    from medlens.serving import Predictor, read_any_image

    pred = Predictor.from_card(card_dir, threads=threads)
    size = pred.card.preprocessing.input_size
    x1 = np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)
    x32 = np.repeat(x1, 32, axis=0)
    bare = median_ms(lambda: pred.session.run(["logits"], {"input": x1}), runs)
    ips32 = throughput(lambda: pred.session.run(["logits"], {"input": x32}), 32)
    e2e_cam = median_ms(lambda: pred.predict(read_any_image(image), cam=True), runs)
    e2e = median_ms(lambda: pred.predict(read_any_image(image)), runs)
    return {
        "model": card_dir.name,
        "size": size,
        "tta": "+".join(pred.tta) or "none",
        "onnx_ms": bare,
        "onnx_ips32": ips32,
        "e2e_ms": e2e,
        "e2e_cam_ms": e2e_cam,
        "ratio": e2e_cam / bare,
        "ratio_per_view": e2e_cam / (bare * (1 + len(pred.tta))),
        "quantization": pred.card.quantization or "fp32",
    }


def image_bundles(models: Path) -> list[Path]:
    """Folders under ``models`` holding an image-model card (tabular cards are skipped)."""
    from medlens.card import CardError, ModelCard

    out = []
    for card in sorted(models.glob("*/card.json")):
        try:
            ModelCard.load(card, verify=False)
        except CardError:
            continue
        out.append(card.parent)
    return out


def main() -> None:
    from medlens.serving.latency import hardware_summary

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="1 on the shared 2-core box: torch spins badly when oversubscribed",
    )
    ap.add_argument("--models", type=Path, default=Path("models"))
    ap.add_argument("--image", type=Path, default=None, help="real image for the end-to-end timing")
    ap.add_argument("--families", nargs="*", default=FAMILIES)
    ap.add_argument("--json", type=Path, default=None, help="also write the raw numbers here")
    args = ap.parse_args()

    image = args.image
    if image is None:
        from medlens.config import default_data_root

        image = next(
            iter(sorted((default_data_root() / "melanoma_10000/train/malignant").glob("*.jpg"))), None
        )
    fams = [bench_family(n, args.size, args.runs, args.threads, image) for n in args.families]
    bundles = (
        [bench_bundle(d, image, args.runs, args.threads) for d in image_bundles(args.models)] if image else []
    )

    print(
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {hardware_summary()}, {args.threads} threads, "
        f"batch-1 median of {args.runs} runs; machine shared with other jobs.\n"
    )
    print(f"Backbone families at {args.size} px (random-init weights):\n")
    print(
        "| backbone | torch eager b1 (ms) | ONNX Runtime b1 (ms) | speed-up | torch b32 (img/s) | ONNX b32 (img/s) "
        "| Predictor + CAM (ms) | ratio to bare ONNX |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in fams:
        print(
            f"| {r['model']} | {r['torch_ms']:.1f} | {r['onnx_ms']:.1f} | {r['torch_ms'] / r['onnx_ms']:.2f}x "
            f"| {r['torch_ips32']:.0f} | {r['onnx_ips32']:.0f} | {r['e2e_cam_ms']:.1f} | {r['ratio']:.2f}x |"
        )
    if bundles:
        print(
            f"\nBundled models (end to end on {image.name}: decode + preprocess + model + Grad-CAM overlay):\n"
        )
        print(
            "| model | input | weights | TTA | ONNX b1 (ms) | ONNX b32 (img/s) | Predictor (ms) | with CAM (ms) "
            "| ratio to bare model | ratio per TTA view |"
        )
        print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|")
        for r in bundles:
            print(
                f"| {r['model']} | {r['size']} px | {r['quantization'].split(' ')[0]} | {r['tta']} | {r['onnx_ms']:.1f} "
                f"| {r['onnx_ips32']:.0f} | {r['e2e_ms']:.1f} | {r['e2e_cam_ms']:.1f} | {r['ratio']:.2f}x "
                f"| {r['ratio_per_view']:.2f}x |"
            )
    if args.json:
        args.json.write_text(json.dumps({"families": fams, "bundles": bundles}, indent=1))


if __name__ == "__main__":
    main()

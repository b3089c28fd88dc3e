"""Faithfulness (deletion / insertion AUC) of the bundled models' heatmaps, and serving-CAM vs torch Grad-CAM.

For every bundled image model in ``models/`` whose training run folder is present, a seeded sample of
TEST-split images is explained four ways for the served predicted class:

* ``serving``: the numpy Grad-CAM the Predictor returns (ONNX "features" output + ``cam_head.npz``);
* ``torch``: pytorch-grad-cam Grad-CAM on the run's ``best.pt`` via ``medlens.explain.create_cam``
  (skipped for a bundle with no single torch run, e.g. a ``medlens ensemble``: then the served map is
  measured against the baselines only, on the TEST split rebuilt from its card);
* ``random``: seeded uniform noise on the CAM's own grid, upsampled like a CAM (same smoothness);
* ``random-pixel``: i.i.d. uniform noise per pixel; ``centre``: an isotropic Gaussian at the image centre.

Deletion/insertion curves score the served class probability (ONNX, card preprocessing, TTA,
temperature) while image pixels are replaced by / revealed from a black baseline. The two real CAMs are
also compared directly at the model-input resolution (Pearson, Spearman, top-20 % IoU).

    nice -n 10 .venv/bin/python benchmarks/explain_faithfulness.py --n 50
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger("explain_faithfulness")

ROOT = Path(__file__).resolve().parents[1]
#: bundled models whose heatmaps are measured by default (the run each was exported from is read from its card)
MODELS = ("chest-xray", "chest-xray-covid", "melanoma", "skin-lesion")
METHODS = ("serving", "torch", "random", "random-pixel", "centre")
TOP_FRACTION = 0.2


def run_folder(name: str) -> str:
    """The training run a bundle was exported from: the RUN of its card's ``medlens export RUN ...``."""
    command = json.loads((ROOT / "models" / name / "card.json").read_text()).get("export_command") or ""
    words = command.split()
    for i, word in enumerate(words[:-1]):
        if word == "export" and words[i - 1].endswith("medlens"):
            return words[i + 1]
    return "-"


@dataclass
class ModelResult:
    name: str
    n: int
    deletion: dict[str, np.ndarray]  # method -> (n,) AUCs
    deletion_blur: dict[str, np.ndarray]  # deletion replacing pixels by the blurred image (less off-manifold)
    centre_corr: np.ndarray  # (n,) Pearson of the served map with the centre Gaussian
    insertion: dict[str, np.ndarray]
    del_curves: dict[str, np.ndarray]  # method -> (n, steps+1)
    ins_curves: dict[str, np.ndarray]
    agreement: dict[str, np.ndarray]  # pearson / spearman / iou_top20 / max_abs_diff
    feature_check: dict[str, float]
    examples: list[tuple[np.ndarray, np.ndarray, np.ndarray | None, str]]  # image, serving, torch, caption
    info: dict[str, object]


def _resolve_root(root: str) -> Path:
    """A run's data root as written (relative to the checkout) or under the shared data folder."""
    from medlens.config import default_data_root

    p = Path(root)
    for cand in (p, ROOT / p, default_data_root() / p.name, default_data_root().parent / p):
        if cand.exists():
            return cand
    parts = p.parts
    if "data" in parts:
        cand = default_data_root().joinpath(*parts[parts.index("data") + 1 :])
        if cand.exists():
            return cand
    raise FileNotFoundError(f"{root}: data root of the run not found (set MEDLENS_DATA_ROOT)")


def _pick(sample_set, test: list[int], n: int, rng: np.random.Generator, label: int | None):  # type: ignore[no-untyped-def]
    """``n`` seeded images of ``test`` (only those labelled ``label`` when given) and their sources."""
    idx = np.asarray([i for i in test if label is None or sample_set.samples[i].labels.get("label") == label])
    pick = np.sort(rng.choice(idx, size=min(n, idx.size), replace=False))
    samples = [sample_set.samples[int(i)] for i in pick]
    return [s.load_image() for s in samples], [str(s.source) for s in samples]


def _test_sample(
    run: Path, config: dict, n: int, rng: np.random.Generator, label: int | None = None
) -> tuple[list[np.ndarray], list]:
    """``n`` seeded TEST-split images (RGB uint8) and their sources."""
    from medlens.data import create_dataset
    from medlens.data.splits import SplitManifest

    sample_set = create_dataset(config["dataset"], _resolve_root(config["data_root"]))
    manifest = SplitManifest.load(run / "split.json")
    manifest.check(sample_set)
    return _pick(sample_set, list(manifest.test), n, rng, label)


def _card_test_sample(card, n: int, rng: np.random.Generator, label: int | None = None):  # type: ignore[no-untyped-def]
    """``n`` seeded TEST-split images of the split rebuilt from the card (verified by its fingerprint)."""
    from medlens.data.rebuild import facts_from_card, rebuild_split

    split = rebuild_split(facts_from_card(card), card.data.fingerprint, strict=True)
    return _pick(split.sample_set, list(split.manifest.test), n, rng, label)


def _rank_iou(a: np.ndarray, b: np.ndarray, frac: float) -> float:
    k = max(1, round(frac * a.size))
    ta = set(np.argsort(-a.ravel(), kind="stable")[:k].tolist())
    tb = set(np.argsort(-b.ravel(), kind="stable")[:k].tolist())
    return len(ta & tb) / len(ta | tb)


def _agreement(s: np.ndarray, t: np.ndarray) -> dict[str, float]:
    from scipy.stats import pearsonr, spearmanr

    if s.std() == 0 or t.std() == 0:
        nan = float("nan")
        return {"pearson": nan, "spearman": nan, "iou_top20": nan, "max_abs_diff": nan}

    def mm(x: np.ndarray) -> np.ndarray:
        return (x - x.min()) / (x.max() - x.min())

    return {
        "pearson": float(pearsonr(s.ravel(), t.ravel())[0]),
        "spearman": float(spearmanr(s.ravel(), t.ravel())[0]),
        "iou_top20": _rank_iou(s, t, TOP_FRACTION),
        "max_abs_diff": float(np.abs(mm(s) - mm(t)).max()),  # after min-max scaling both
    }


def _baseline_maps(h: int, w: int, grid: tuple[int, int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    yy, xx = np.mgrid[0:h, 0:w]
    sigma = 0.25 * min(h, w)
    centre = np.exp(-(((yy - (h - 1) / 2) ** 2 + (xx - (w - 1) / 2) ** 2) / (2 * sigma**2)))
    coarse = rng.random(grid).astype(np.float32)
    return {
        "random": cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR),
        "random-pixel": rng.random((h, w)),
        "centre": centre,
    }


def evaluate_model(
    name: str,
    n: int,
    steps: int,
    seed: int,
    score_tta: bool = False,
    n_examples: int = 3,
    target_only: bool = False,
) -> ModelResult:
    """``target_only``: photos labelled the card's target class, each explained for that class (the map the
    service shows by default); otherwise a seeded sample of all test photos, explained for the predicted class."""
    import torch

    from medlens.explain import create_cam, deletion_curve, find_target_layers, insertion_curve
    from medlens.models import load_checkpoint
    from medlens.serving import Predictor
    from medlens.serving.cam import grad_cam
    from medlens.serving.predictor import softmax
    from medlens.serving.preprocessing import preprocess

    run_name = run_folder(name)
    bundle, run = ROOT / "models" / name, ROOT / run_name
    predictor = Predictor.from_card(bundle)  # as served (TTA): predicted class and served heatmap
    # Curves score the plain view by default: the CAM is computed from it, and it is 1/(1+#flips) the cost.
    scorer = predictor if score_tta else Predictor.from_card(bundle, tta=False)
    card = predictor.card
    rng = np.random.default_rng(seed)
    target_name = card.thresholds.target_class if target_only else None
    if target_only and target_name not in card.classes:
        raise ValueError(f"{name}: --target-class needs a card with a target class (it has {target_name!r})")
    target = card.classes.index(target_name) if target_name else None
    with_torch = run_name != "-" and (run / "best.pt").is_file()
    methods = METHODS if with_torch else tuple(m for m in METHODS if m != "torch")
    model = layer = None
    if with_torch:
        model, config = load_checkpoint(run / "best.pt")
        images, sources = _test_sample(run, config, n, rng, target)
        (layer,) = find_target_layers(model)
    else:  # an ensemble (or a bundle whose run is gone): serving map against the baselines only
        images, sources = _card_test_sample(card, n, rng, target)
    size = card.preprocessing.input_size
    log.info(
        "%s: %d test images, input %d px, TTA %s, torch target layer %s",
        name,
        len(images),
        size,
        card.tta or "none",
        type(layer).__name__ if layer is not None else "- (no single torch run)",
    )

    def class_prob(cls: int):
        def fn(batch: np.ndarray) -> np.ndarray:
            imgs = [np.clip(b, 0, 255).astype(np.uint8) for b in batch]
            return softmax(scorer.logits_batch(imgs), card.temperature)[:, cls]

        return fn

    dele: dict[str, list] = {m: [] for m in methods}
    dele_blur: dict[str, list] = {m: [] for m in methods}
    centre_corr: list[float] = []
    ins: dict[str, list] = {m: [] for m in methods}
    dcur: dict[str, list] = {m: [] for m in methods}
    icur: dict[str, list] = {m: [] for m in methods}
    agree: dict[str, list] = {k: [] for k in ("pearson", "spearman", "iou_top20", "max_abs_diff")}
    feat_err: list[float] = []
    predicted: list[str] = []
    logit_err: list[float] = []
    examples: list[tuple[np.ndarray, np.ndarray, np.ndarray | None, str]] = []
    acts: list[torch.Tensor] = []
    hook = layer.register_forward_hook(lambda _m, _i, out: acts.append(out.detach())) if layer else None
    try:
        for k, img in enumerate(images):
            pred = predictor.predict(img, cam=False)
            explained = target_name or pred.label
            cls = card.classes.index(explained)
            predicted.append(pred.label)
            x = preprocess(img, card.preprocessing)[None]
            logits_onnx, feats = predictor.forward(x, features=True)  # features of the plain (non-TTA) view
            assert feats is not None and predictor.cam_head is not None
            serving_small = grad_cam(predictor.cam_head, feats[0], cls)  # h x w, feature grid
            # the served heatmap at image size, exactly as Predictor._add_cam does it, for the predicted class
            served = predictor.predict(img, cam=True, cam_class=explained).heatmap
            assert served is not None
            del logits_onnx
            h, w = img.shape[:2]
            maps = {"serving": served}
            if model is not None and layer is not None:
                acts.clear()
                with create_cam("gradcam", model, target_layers=[layer]) as cam:
                    torch_in = cam(torch.from_numpy(x), target_class=cls)[0]  # S x S, min-max scaled
                with torch.no_grad():
                    plain_logits = model(torch.from_numpy(x)).numpy()
                feat_err.append(float(np.abs(acts[0].numpy() - feats).max()))
                predictor_tta, predictor.tta = predictor.tta, []
                logit_err.append(float(np.abs(predictor.forward(x)[0] - plain_logits).max()))
                predictor.tta = predictor_tta
                # agreement at the model-input resolution (pytorch-grad-cam upsamples with cv2 bilinear too)
                serving_in = cv2.resize(serving_small, (size, size), interpolation=cv2.INTER_LINEAR)
                for key, v in _agreement(serving_in, torch_in).items():
                    agree[key].append(v)
                maps["torch"] = cv2.resize(torch_in, (w, h), interpolation=cv2.INTER_LINEAR)
            maps.update(_baseline_maps(h, w, serving_small.shape, rng))
            fn = class_prob(cls)
            blurred = insertion_baseline(img)
            centre_corr.append(float(np.corrcoef(served.ravel(), maps["centre"].ravel())[0, 1]))
            for m, heat in maps.items():
                x_del, y_del = deletion_curve(fn, img, heat, steps=steps, baseline=0.0)
                x_b, y_b = deletion_curve(fn, img, heat, steps=steps, baseline=blurred)
                dele_blur[m].append(float(np.trapezoid(y_b, x_b)))
                y_ins = insertion_curve(fn, img, heat, steps=steps, baseline=blurred)[1]
                dcur[m].append(y_del)
                icur[m].append(y_ins)
                dele[m].append(float(np.trapezoid(y_del, x_del)))
                ins[m].append(float(np.trapezoid(y_ins, x_del)))
            if k < n_examples:
                cap = f"{Path(sources[k]).name}: {explained} p={pred.probabilities[explained]:.2f}"
                examples.append((img, served, maps.get("torch"), cap))
            if (k + 1) % 10 == 0:
                log.info("%s: %d/%d images", name, k + 1, len(images))
    finally:
        if hook is not None:
            hook.remove()
    return ModelResult(
        name=name,
        n=len(images),
        deletion={m: np.array(v) for m, v in dele.items()},
        deletion_blur={m: np.array(v) for m, v in dele_blur.items()},
        centre_corr=np.array(centre_corr),
        insertion={m: np.array(v) for m, v in ins.items()},
        del_curves={m: np.array(v) for m, v in dcur.items()},
        ins_curves={m: np.array(v) for m, v in icur.items()},
        agreement={k: np.array(v) for k, v in agree.items()} if with_torch else {},
        feature_check={
            "max_abs_diff_onnx_features_vs_torch_target_layer": float(np.max(feat_err)),
            "max_abs_diff_onnx_vs_torch_logits_no_tta": float(np.max(logit_err)),
        }
        if with_torch
        else {},
        examples=examples,
        info={
            "backbone": card.backbone,
            "input_size": size,
            "tta": card.tta,
            "temperature": card.temperature,
            "curves_scored_with_tta": bool(score_tta and card.tta),
            "run": run_name if with_torch else "- (no single torch run)",
            "torch_target_layer": _layer_name(model, layer) if with_torch else "-",
            "feature_grid": list(serving_small.shape),
            "predicted_classes": {c: predicted.count(c) for c in sorted(set(predicted))},
            "explained": f"the target class {target_name!r}, on test photos labelled {target_name!r}"
            if target_name
            else "the predicted class",
            "target_class": target_name,  # None: a random sample explained for the predicted class
        },
    )


def insertion_baseline(img: np.ndarray) -> np.ndarray:
    """Heavily blurred copy of the image (RISE's insertion start): sigma = 1/10 of the shorter side."""
    sigma = max(1.0, min(img.shape[:2]) / 10)
    return cv2.GaussianBlur(img, (0, 0), sigmaX=sigma).astype(np.float32)


def _layer_name(model, layer) -> str:
    return next((n for n, m in model.named_modules() if m is layer), type(layer).__name__)


# ------------------------------------------------------------------------------------------- statistics
def mean_ci(values: np.ndarray, seed: int = 0) -> dict[str, float]:
    from medlens.evaluation.bootstrap import bootstrap_ci

    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "n": 0}
    point, lo, hi = bootstrap_ci(np.mean, v, n_boot=1000, seed=seed)
    return {"mean": point, "ci_low": lo, "ci_high": hi, "n": int(v.size)}


def summarize(res: ModelResult) -> dict:
    out: dict = {"n_images": res.n, **res.info, "feature_check": res.feature_check}
    out["deletion_auc"] = {m: mean_ci(v) for m, v in res.deletion.items()}
    out["insertion_auc"] = {m: mean_ci(v) for m, v in res.insertion.items()}
    out["deletion_blur_auc"] = {m: mean_ci(v) for m, v in res.deletion_blur.items()}
    out["serving_map_vs_centre_pearson"] = mean_ci(res.centre_corr)
    # paired differences vs the same-grid random map: negative deletion / positive insertion = better
    out["paired_vs_random"] = {
        m: {
            "deletion_diff": mean_ci(res.deletion[m] - res.deletion["random"]),
            "insertion_diff": mean_ci(res.insertion[m] - res.insertion["random"]),
            "deletion_blur_diff": mean_ci(res.deletion_blur[m] - res.deletion_blur["random"]),
            "deletion_win_rate": float(np.mean(res.deletion[m] < res.deletion["random"])),
            "insertion_win_rate": float(np.mean(res.insertion[m] > res.insertion["random"])),
        }
        for m in res.deletion
        if m != "random"
    }
    # is the CAM more than a "look at the middle" prior? (negative deletion / positive insertion = CAM better)
    out["serving_vs_centre"] = {
        "deletion_diff": mean_ci(res.deletion["serving"] - res.deletion["centre"]),
        "deletion_blur_diff": mean_ci(res.deletion_blur["serving"] - res.deletion_blur["centre"]),
        "insertion_diff": mean_ci(res.insertion["serving"] - res.insertion["centre"]),
    }
    if res.agreement:
        out["agreement_serving_vs_torch"] = {k: mean_ci(v) for k, v in res.agreement.items()}
        out["agreement_serving_vs_torch"]["n_undefined"] = int(np.sum(~np.isfinite(res.agreement["pearson"])))
    return out


def fmt(d: dict, digits: int = 3) -> str:
    return f"{d['mean']:.{digits}f} [{d['ci_low']:.{digits}f}, {d['ci_high']:.{digits}f}]"


# ------------------------------------------------------------------------------------------------ plots
def plot_examples(results: list[ModelResult], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from medlens.explain.overlay import heatmap_overlay

    rows = [(r.name, ex) for r in results for ex in r.examples]
    cols = 3 if any(ex[2] is not None for _, ex in rows) else 2  # no torch column when no model has one
    fig, axes = plt.subplots(len(rows), cols, figsize=(2.5 * cols, 2.6 * len(rows)), squeeze=False)
    for i, (name, (img, served, torch_map, cap)) in enumerate(rows):
        panels = [(img, f"{name}\n{cap}"), (heatmap_overlay(img, served), "serving CAM (ONNX + numpy)")]
        if cols == 3:
            panels.append(
                (heatmap_overlay(img, torch_map), "torch Grad-CAM (pytorch-grad-cam)")
                if torch_map is not None
                else (np.full_like(img, 255), "torch Grad-CAM: no single torch run")
            )
        for j, (im, title) in enumerate(panels):
            axes[i, j].imshow(im)
            axes[i, j].set_title(title, fontsize=7)
            axes[i, j].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_curves(results: list[ModelResult], steps: int, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.linspace(0, 1, steps + 1)
    fig, axes = plt.subplots(len(results), 2, figsize=(9, 3.4 * len(results)), squeeze=False)
    styles = {"serving": "-", "torch": ":", "random": "--", "random-pixel": "-.", "centre": (0, (1, 3))}
    for i, r in enumerate(results):
        for j, (curves, kind) in enumerate(((r.del_curves, "deletion"), (r.ins_curves, "insertion"))):
            ax = axes[i, j]
            for m in curves:
                lw = 2.4 if m == "serving" else 1.4
                ax.plot(x, curves[m].mean(0), linestyle=styles[m], lw=lw, label=m)
            ax.set_title(f"{r.name}: {kind} (mean over {r.n} test images)", fontsize=9)
            ax.set_xlabel(
                "fraction of pixels " + ("removed (black)" if kind == "deletion" else "revealed (on blur)")
            )
            ax.set_ylabel("predicted-class probability")
            ax.set_ylim(0, 1.02)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------------------------- report
def write(
    results: list[ModelResult],
    summaries: dict,
    args: argparse.Namespace,
    wall: float,
    out: Path,
    command: str,
) -> Path:
    from medlens.evaluation.report import write_report

    out.mkdir(parents=True, exist_ok=True)
    hardware = f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} logical cores, CPU only"
    meta = {
        "command": command,
        "wall_time_s": round(wall, 1),
        "hardware": hardware,
        "seed": args.seed,
        "steps": args.steps,
        "baseline": "deletion: black (0); insertion: Gaussian blur, sigma = shorter side / 10",
        "top_fraction": TOP_FRACTION,
    }
    (out / "metrics.json").write_text(json.dumps({"meta": meta, "models": summaries}, indent=1))
    grid = plot_examples(results, out / "examples.png")
    curves = plot_curves(results, args.steps, out / "curves.png")

    table = [
        "| model | map | deletion AUC, black (lower better) | deletion AUC, blur (lower better) | "
        "insertion AUC, from blur (higher better) | del. win vs random | ins. win vs random |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in summaries.items():
        for m in s["deletion_auc"]:
            pr = s["paired_vs_random"].get(m)
            wins = (f"{pr['deletion_win_rate']:.0%}", f"{pr['insertion_win_rate']:.0%}") if pr else ("-", "-")
            table.append(
                f"| {name} | {m} | {fmt(s['deletion_auc'][m])} | {fmt(s['deletion_blur_auc'][m])} "
                f"| {fmt(s['insertion_auc'][m])} "
                f"| {wins[0]} | {wins[1]} |"
            )
    diffs = [
        "| model | map | Δ deletion (black) vs random | Δ deletion (blur) vs random | Δ insertion vs random |",
        "|---|---|---|---|---|",
    ]
    for name, s in summaries.items():
        for m in ("serving", "torch", "centre", "random-pixel"):
            if m not in s["paired_vs_random"]:
                continue
            pr = s["paired_vs_random"][m]
            diffs.append(
                f"| {name} | {m} | {fmt(pr['deletion_diff'])} | {fmt(pr['deletion_blur_diff'])} "
                f"| {fmt(pr['insertion_diff'])} |"
            )
    for name, s in summaries.items():
        vc = s["serving_vs_centre"]
        diffs.append(
            f"| {name} | serving − centre (Δ vs centre, not random) | {fmt(vc['deletion_diff'])} | {fmt(vc['deletion_blur_diff'])} "
            f"| {fmt(vc['insertion_diff'])} |"
        )
    diffs.append(
        "\nNegative Δ deletion and positive Δ insertion mean better than the same-grid random map; a CI "
        "that contains 0 means no demonstrated difference."
    )
    agree = [
        "| model | feature grid | Pearson | Spearman | IoU top-20 % | max abs diff (min-max scaled) | "
        "ONNX features vs torch layer (max abs) | ONNX vs torch logits (max abs) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in summaries.items():
        if "agreement_serving_vs_torch" not in s:
            agree.append(
                f"| {name} | {s['feature_grid'][0]}x{s['feature_grid'][1]} | {NO_TORCH} |  |  |  |  |  |"
            )
            continue
        a, fc = s["agreement_serving_vs_torch"], s["feature_check"]
        agree.append(
            f"| {name} | {s['feature_grid'][0]}x{s['feature_grid'][1]} | {fmt(a['pearson'], 4)} | "
            f"{fmt(a['spearman'], 4)} | {fmt(a['iou_top20'])} | {fmt(a['max_abs_diff'], 4)} | "
            f"{fc['max_abs_diff_onnx_features_vs_torch_target_layer']:.2e} | "
            f"{fc['max_abs_diff_onnx_vs_torch_logits_no_tta']:.2e} |"
        )
    models_txt = "\n".join(
        f"- **{n}**: {s['backbone']} at {s['input_size']} px, TTA {s['tta'] or 'none'}, run `{s['run']}`, "
        f"{s['n_images']} seeded TEST-split images (predicted: "
        + ", ".join(f"{c} {k}" for c, k in s.get("predicted_classes", {}).items())
        + f"), torch target layer `{s['torch_target_layer']}`"
        for n, s in summaries.items()
    )
    sections = [
        (
            "Setup",
            f"Command: `{command}`\n\nWall time: {wall:.0f} s on {hardware} (shared with other jobs, "
            f"`nice -n 10`).\n\n{models_txt}\n\n"
            "Each image is explained for "
            + "; ".join(sorted({str(s.get("explained", "the predicted class")) for s in summaries.values()}))
            + " (the served probability of that class is scored). Deletion removes the most "
            f"highlighted pixels first (replaced by black) in {args.steps} steps and records the served "
            "probability of that class (ONNX Runtime, the card's preprocessing and temperature; the plain view "
            "without test-time flips unless `--score-tta`, since the CAM is computed from the plain view); insertion "
            "reveals them, most highlighted first, on a heavily blurred copy of the image (Gaussian σ = ⅒ of "
            "the shorter side; the RISE convention: black for deletion, blur for insertion). AUCs are trapezoid areas over the fraction 0..1; mean with a "
            "percentile bootstrap 95 % CI over images (1000 resamples). Baselines: `random` = seeded uniform "
            "noise on the CAM's own feature grid, upsampled bilinearly (as smooth as a CAM); `random-pixel` = "
            "i.i.d. noise per pixel; `centre` = Gaussian at the image centre (σ = ¼ of the shorter side).",
        ),
        ("Deletion / insertion AUC", "\n".join(table)),
        ("Paired difference to the random map (same images)", "\n".join(diffs)),
        ("Agreement: serving-side CAM vs torch Grad-CAM", "\n".join(agree) + "\n\n" + AGREEMENT_NOTE),
        ("Reading", reading(summaries)),
    ]
    if not any("agreement_serving_vs_torch" in s for s in summaries.values()):
        sections[3] = ("Agreement: serving-side CAM vs torch Grad-CAM", f"Not measured: {NO_TORCH}.")
    md, _ = write_report(
        out, "Heatmap faithfulness and serving/torch CAM agreement", sections, [grid, curves]
    )
    return md


NO_TORCH = "no single torch run (an ensemble bundle): served map measured against the baselines only"

AGREEMENT_NOTE = (
    "Both maps are computed from the plain (un-flipped) view of the same card-preprocessed input, for the "
    "same (served, predicted) class, and compared at the model-input resolution. The ONNX `features` output "
    "is `forward_features()`, i.e. the output of the torch target layer in the explain layer table "
    "(`bn2`, timm's BatchNormAct2d = BN + ReLU6, for EfficientNet-Lite; `layer4[-1]` for ResNet): the "
    "ONNX-vs-torch column confirms it numerically. With global average pooling + one linear layer the "
    "Grad-CAM channel weights are exactly the class row of the linear layer divided by h·w, so both sides "
    "compute the same map up to a positive scale; the remaining differences are (1) pytorch-grad-cam "
    "min-max scales (subtracts the minimum) where the serving side divides by the maximum, an affine change "
    "that leaves Pearson, Spearman and the top-20 % set unchanged, and (2) float32 ONNX-vs-torch rounding. "
    "Test-time flips do not enter the map: the Predictor averages the logits over flips but takes the CAM "
    "from the plain view, so for a model with TTA (melanoma, skin-lesion) the served probability and the map come from "
    "slightly different computations (the class explained is still the served one). The served heatmap "
    "also explains the card's target class by default; here the predicted class is explained."
)


CARD_PREFIX = "Heatmap faithfulness ("
TARGET_PREFIX = "Heatmap faithfulness for the target class ("


def _card_prefix(s: dict) -> str:
    """The card sentence's prefix: one sentence per kind of measurement, replaced on re-runs."""
    if "target_class" in s:
        return TARGET_PREFIX if s["target_class"] else CARD_PREFIX
    # metrics.json written before the field (stop 37) says it only in its "explained" text
    return TARGET_PREFIX if str(s.get("explained", "")).startswith("the target class") else CARD_PREFIX


def card_sentence(s: dict, report: str) -> str:
    """The served heatmap's verdict for the card's limits, from one model's summary."""
    pr, vc = s["paired_vs_random"]["serving"], s["serving_vs_centre"]
    vs_random = (
        f"deletion: {_verdict(pr['deletion_diff'], True)} (Δ {fmt(pr['deletion_diff'])}), "
        f"insertion: {_verdict(pr['insertion_diff'], False)} (Δ {fmt(pr['insertion_diff'])})"
    )
    vs_centre = (
        f"deletion: {_verdict(vc['deletion_diff'], True)}, insertion: {_verdict(vc['insertion_diff'], False)}"
    )
    grid = f"{s['feature_grid'][0]}x{s['feature_grid'][1]}"
    return (
        f"{_card_prefix(s)}{report}, {s['n_images']} test images, explained for {s.get('explained', 'the predicted class')}): the served heatmap against a same-grid random "
        f"map — {vs_random}; against a fixed centre prior — {vs_centre}. It is a {grid} map: it shows roughly "
        "where the model looked, not a lesion boundary, and is not evidence for the result."
    )


def _verdict(diff: dict, lower_is_better: bool) -> str:
    """'better' / 'worse' / 'no difference' from a paired-difference CI."""
    if diff["ci_high"] < 0:
        return "better" if lower_is_better else "worse"
    if diff["ci_low"] > 0:
        return "worse" if lower_is_better else "better"
    return "no difference"


def reading(summaries: dict) -> str:
    """Plain-language summary generated from the numbers (so it cannot drift from them)."""
    lines = []
    for name, s in summaries.items():
        pr, c = s["paired_vs_random"]["serving"], s["paired_vs_random"]["centre"]
        tests = {
            "deletion (black)": _verdict(pr["deletion_diff"], True),
            "deletion (blur)": _verdict(pr["deletion_blur_diff"], True),
            "insertion": _verdict(pr["insertion_diff"], False),
        }
        summary = "; ".join(f"{k}: **{v}**" for k, v in tests.items())
        vc = s["serving_vs_centre"]
        vs_centre = "; ".join(
            f"{k}: **{_verdict(vc[key], low)}**"
            for k, key, low in (
                ("deletion (black)", "deletion_diff", True),
                ("deletion (blur)", "deletion_blur_diff", True),
                ("insertion", "insertion_diff", False),
            )
        )
        lines.append(
            f"- **{name}**: served CAM vs the same-grid random map (paired 95 % CI) — {summary}. "
            f"Deletion AUC (black) {fmt(s['deletion_auc']['serving'])} vs random "
            f"{fmt(s['deletion_auc']['random'])}; insertion {fmt(s['insertion_auc']['serving'])} vs "
            f"{fmt(s['insertion_auc']['random'])}. A fixed centre Gaussian scores Δdeletion "
            f"{fmt(c['deletion_diff'])} and Δinsertion {fmt(c['insertion_diff'])} against random, and the "
            f"served maps correlate with it at Pearson {fmt(s['serving_map_vs_centre_pearson'])}: any "
            f"advantage of the CAM must be read against this 'look at the middle' prior; CAM vs centre "
            f"Gaussian directly — {vs_centre}. "
            + (
                f"Serving and torch maps agree at Pearson {fmt(s['agreement_serving_vs_torch']['pearson'], 4)}, "
                "so every faithfulness number above holds for both."
                if "agreement_serving_vs_torch" in s
                else "No torch map: the bundle is an ensemble (its served CAM averages the members' class "
                "evidence on their feature grids, `tests/export/test_ensemble.py`)."
            )
        )
    lines.append(
        "- Caveats: black-pixel deletion pushes images off the training distribution (the ROAD critique); "
        "random i.i.d. pixel deletion is the most destructive there (it turns the image into noise), which "
        "is why `random-pixel` often 'wins' deletion without explaining anything. The blur variant "
        "replaces pixels by a blurred copy instead and is less off-manifold. Absolute AUCs mix faithfulness "
        "with the model's reaction to the perturbation; comparisons between maps on the same images are the "
        "meaningful part. A photo predicted as the benign or normal class can stay so when its most "
        "highlighted pixels are removed (absence of a finding is what the class means), so deletion says "
        "little there; the classes predicted on the sampled photos are listed under Setup. Feature grids are coarse ("
        + ", ".join(
            f"{n}: {s['input_size']} px / 32 = {s['feature_grid'][0]}x{s['feature_grid'][1]}"
            for n, s in summaries.items()
        )
        + "), so these heatmaps show roughly where the model looked, not a lesion boundary. "
        "Samples of 50 images give wide "
        "CIs; this is a check of the explanation pipeline, not a clinical validation."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default=",".join(MODELS), help="bundled model folders to evaluate")
    p.add_argument("--n", type=int, default=50, help="test images per model")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--score-tta", action="store_true", help="score curves with the card's TTA (slower)")
    p.add_argument("--out", type=Path, default=ROOT / "reports" / "explain-faithfulness")
    p.add_argument(
        "--target-class",
        action="store_true",
        help="only test photos of the card's target class, explained for it (the map the service shows)",
    )
    p.add_argument("--card", action="store_true", help="write each model's verdict into its card's limits")
    p.add_argument(
        "--card-only", action="store_true", help="no measuring: write the cards from --out's metrics.json"
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.card_only:
        write_cards(json.loads((args.out / "metrics.json").read_text())["models"], args.out)
        return 0
    import torch

    torch.set_num_threads(1)
    command = "nice -n 10 .venv/bin/python benchmarks/explain_faithfulness.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    t0 = time.perf_counter()
    results = []
    for name in args.models.split(","):
        bundle = ROOT / "models" / name
        if not (bundle / "card.json").is_file():
            log.warning("skipping %s: bundle %s missing", name, bundle)
            continue
        results.append(
            evaluate_model(name, args.n, args.steps, args.seed, args.score_tta, target_only=args.target_class)
        )
    if not results:
        log.error("no bundled model found")
        return 1
    summaries = {r.name: summarize(r) for r in results}
    md = write(results, summaries, args, time.perf_counter() - t0, args.out, command.strip())
    log.info("wrote %s in %.0f s", md, time.perf_counter() - t0)
    if args.card:
        write_cards(summaries, args.out)
    return 0


def write_cards(summaries: dict, out: Path) -> None:
    """Each bundled model's verdict into its card's limits (replacing an earlier faithfulness sentence)."""
    from medlens.audit.card_limits import put_limit

    report = str(out.resolve().relative_to(ROOT)) if out.resolve().is_relative_to(ROOT) else str(out)
    for name, s in summaries.items():
        log.info(
            "card %s: %s", name, put_limit(ROOT / "models" / name, _card_prefix(s), card_sentence(s, report))
        )


if __name__ == "__main__":
    raise SystemExit(main())

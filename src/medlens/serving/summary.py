"""Human-readable summaries of model cards (Markdown), for models/README.md and the web model page."""

from __future__ import annotations

from medlens.card import ModelCard

HEADLINE = (
    ("accuracy", "accuracy"),
    ("balanced_accuracy", "balanced acc."),
    ("auroc_macro", "AUROC (macro)"),
    ("target_sensitivity", "target recall @ threshold"),
    ("target_specificity", "target specificity @ threshold"),
)


def fmt_ci(metric: dict | None) -> str:
    """``0.912 (0.889–0.934)`` from ``{value, ci_low, ci_high}``; '–' when absent."""
    if not metric or metric.get("value") is None:
        return "–"
    lo, hi = metric.get("ci_low"), metric.get("ci_high")
    if lo is None or hi is None or lo != lo or hi != hi:  # NaN check
        return f"{metric['value']:.3f}"
    return f"{metric['value']:.3f} ({lo:.3f}–{hi:.3f})"


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def models_table(cards: list[ModelCard]) -> str:
    """One Markdown row per model: task, backbone, input, data, test metrics with 95% CIs, threshold."""
    head = [
        "model",
        "task",
        "backbone",
        "input",
        "data (n test)",
        *[h for _, h in HEADLINE],
        "threshold (val recall)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in cards:
        test = c.metrics.get("test", {})
        thr = c.thresholds
        threshold = (
            f"{thr.threshold:.3f} ({thr.val_recall:.3f})"
            if thr.threshold is not None and thr.val_recall is not None
            else "–"
        )
        row = [
            c.name,
            c.task,
            c.backbone + (" int8" if c.quantization else ""),
            f"{c.preprocessing.input_size} px" + (" gray" if c.preprocessing.grayscale else ""),
            f"{c.data.dataset} ({c.data.n_test})",
            *[fmt_ci(test.get(k)) for k, _ in HEADLINE],
            threshold,
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _by_source(recalls: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in recalls.items())


def card_details(card: ModelCard) -> str:
    """Per-model Markdown section: data and licence, calibration, OOD gate, size, limits, commands."""
    thr = card.thresholds
    out = [
        f"### {card.name}",
        "",
        f"- Task: `{card.task}`, classes {', '.join(card.classes)}; backbone `{card.backbone}`, "
        f"{(card.params or 0) / 1e6:.2f} M parameters, {(card.macs or 0) / 1e6:.0f} M MACs at "
        f"{card.preprocessing.input_size} px, weights {((card.weights_bytes or 0) / 1e6):.1f} MB "
        f"({card.quantization or 'fp32'}).",
        f"- Data: {card.data.source or card.data.dataset}; licence: {card.data.license or 'unknown'}; "
        f"{card.data.split}; n = {card.data.n_train}/{card.data.n_val}/{card.data.n_test} (train/val/test); "
        f"split manifest sha256 `{card.data.fingerprint[:16]}…`.",
        f"- Preprocessing: squash-resize to {card.preprocessing.input_size} px ({card.preprocessing.interpolation}), "
        f"mean {list(card.preprocessing.mean)}, std {list(card.preprocessing.std)}"
        + (", grayscale" if card.preprocessing.grayscale else "")
        + (f"; test-time views: {', '.join(card.tta)}" if card.tta else "")
        + ".",
        f"- Calibration: temperature {card.temperature:.3f} fitted on validation.",
    ]
    if thr.threshold is not None:
        by_source = thr.val_recall_by_source
        rule = f" in every source ({_by_source(by_source)})" if by_source else ""
        if thr.recall_confidence:
            rule += f", required of the recall's {thr.recall_confidence:.0%} lower bound"
        val = (
            f"val recall {_f(thr.val_recall)}, precision {_f(thr.val_precision)}, "
            f"specificity {_f(thr.val_specificity)}"
        )
        out.append(
            f"- Operating point: `{thr.target_class}` probability ≥ {thr.threshold:.3f}, chosen on validation for "
            f"recall ≥ {thr.target_recall}{rule}" + (f"; pooled {val}." if by_source else f" ({val}).")
        )
        op = card.metrics.get("test", {}).get("operating_point_test")
        if op:
            out.append(
                f"  On test at that threshold: recall {op['recall']:.3f}, precision {op['precision']:.3f}, "
                f"specificity {op['specificity']:.3f}."
            )
    if card.ood:
        out.append(
            f"- OOD gate: {card.ood.method} score > {card.ood.threshold:.3f} (val {card.ood.val_quantile:.0%} quantile)."
        )
    if card.source_gate:
        g = card.source_gate
        rate = "n/a" if g.test_false_flag_rate is None else f"{g.test_false_flag_rate:.1%}"
        hits = "; ".join(f"{k} {v['source']:.0%}" for k, v in g.held_out.items() if "source" in v)
        out.append(
            f"- Source gate ({len(g.sources)} training source(s)): refer when the cosine distance to the "
            f"{g.k}-th nearest training reference > {g.threshold:.3f}"
            + (f" or the off-subspace residual > {g.residual_threshold:.3f}" if g.residual_threshold else "")
            + f"; in-source test images flagged {rate} (n = {g.n_test})"
            + (f"; flagged on other sets: {hits}." if hits else ".")
        )
    if "fp32_test" in card.metrics:
        fp, q = card.metrics["fp32_test"], card.metrics["test"]
        out.append(
            "- int8 cost on test: accuracy "
            f"{fmt_ci(fp.get('accuracy'))} → {fmt_ci(q.get('accuracy'))}, AUROC {fmt_ci(fp.get('auroc_macro'))} → "
            f"{fmt_ci(q.get('auroc_macro'))}."
        )
    if card.latency_ms:
        spread = (
            f", quartiles of the rounds {card.latency_q1_ms:.1f}-{card.latency_q3_ms:.1f} ms"
            if card.latency_q1_ms is not None and card.latency_q3_ms is not None
            else ""
        )
        how = f" Timed {card.latency_method}." if card.latency_method else " Timed at export."
        out.append(
            f"- ONNX Runtime latency: {card.latency_ms:.1f} ms (batch 1{spread}; {card.latency_hardware}).{how}"
        )
    rob = card.metrics.get("robustness")
    if rob:
        mce = (
            f", mCE {rob['mce']:.3f} (CE normalised by {rob['reference']})"
            if rob.get("mce") is not None
            else f", un-normalised mCE {1 - rob['mean_corruption_accuracy']:.3f} (no reference model with these classes)"
        )
        out.append(
            f"- Corruption robustness ({rob['sample']}): clean accuracy {rob['clean_accuracy']:.3f}, mean over the "
            f"75 ImageNet-C conditions {rob['mean_corruption_accuracy']:.3f}{mce}; `{rob.get('command', '')}`."
        )
    out.append(f"- Intended use: {card.intended_use}")
    out.append("- Limits: " + (" ".join(card.limitations) or "none recorded"))
    out += ["- Reproduce:", "  ```", f"  {card.training_command}", f"  {card.export_command}", "  ```", ""]
    return "\n".join(out)

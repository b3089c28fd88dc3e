"""Quality-gate thresholds derived from a model's own robustness curves (seed 004, point 2).

For each gate measure that corresponds to an ImageNet-C corruption, find the first severity at which
the model's accuracy falls more than ``max_drop`` below its clean accuracy; the threshold is the median
of that gate measure over the test sample corrupted at that severity (measured as the gate measures an
upload: gray, long side resized to 256 px). A photo worse than the threshold is expected to cost more
than ``max_drop`` accuracy. No severity over the limit -> no threshold from the curves (the fixed
constant stays). The threshold is capped so that at most ``max_clean_refusals`` (1 %) of the clean test
images would be refused: with a 40-60 image sample the first "bad" severity rests on a few images, and
a gate that refused good photos of the model's own kind would be worse than none. The upload gate
(:class:`medlens.quality.model_gate.ModelGate`) reads these thresholds from the card. Gate measure <-> corruption:

* ``min_blur`` (variance of the Laplacian, refuse below) <-> ``defocus_blur``;
* ``min_contrast`` (gray standard deviation, refuse below) <-> ``contrast``;
* ``max_p10`` (10th-percentile brightness, refuse above) <-> ``brightness``;
* noise has no gate measure: only the tolerated severity of ``gaussian_noise`` is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from medlens.data.corruptions import create_corruption
from medlens.quality.model_gate import MODEL_RULES, gate_measure

# gate field -> (corruption, measure, refuse when): the upload gate's own rules, plus noise, which has no
# gate measure (only its tolerated severity is reported)
GATE_MEASURES: dict[str, tuple[str, str, str]] = {
    field: (corruption, measure, refuse) for field, (_, measure, refuse, corruption) in MODEL_RULES.items()
} | {"noise": ("gaussian_noise", "", "")}


def first_bad_severity(clean_acc: float, accs: Sequence[float], max_drop: float) -> int | None:
    """The first severity (1..5) whose accuracy is more than ``max_drop`` below ``clean_acc``."""
    for s, acc in enumerate(accs, 1):
        if clean_acc - acc > max_drop:
            return s
    return None


def derive_gate(
    clean_acc: float,
    accuracy: dict[str, list[float]],
    images: Sequence[np.ndarray],
    max_drop: float = 0.05,
    seed: int = 0,
    max_clean_refusals: float = 0.01,
) -> dict[str, Any]:
    """Thresholds per gate measure from accuracy-vs-severity curves and the (model-size) test images."""
    out: dict[str, Any] = {"max_drop": max_drop, "max_clean_refusals": max_clean_refusals}
    for field, (corruption, measure, refuse) in GATE_MEASURES.items():
        if corruption not in accuracy:
            continue
        s = first_bad_severity(clean_acc, accuracy[corruption], max_drop)
        row: dict[str, Any] = {
            "corruption": corruption,
            "tolerated_severity": (s - 1) if s else 5,
            "drop_at_first_bad": None if s is None else round(clean_acc - accuracy[corruption][s - 1], 4),
        }
        if s is not None and measure:
            fn = create_corruption(corruption, s)
            values = [
                gate_measure(fn(im, np.random.default_rng([seed, i])), measure) for i, im in enumerate(images)
            ]
            clean = np.asarray([gate_measure(im, measure) for im in images])
            curve = float(np.median(values))
            q = max_clean_refusals if refuse == "below" else 1 - max_clean_refusals
            cap = float(np.quantile(clean, q))
            threshold = min(curve, cap) if refuse == "below" else max(curve, cap)
            refused = clean < threshold if refuse == "below" else clean > threshold
            row.update(
                measure=measure,
                refuse=refuse,
                threshold=round(threshold, 2),
                from_curve=round(curve, 2),
                clean_refused=round(float(refused.mean()), 4),
            )
        out[field] = row
    return out

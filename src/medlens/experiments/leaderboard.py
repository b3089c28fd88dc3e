"""``medlens leaderboard``: every bundled model beside the published figures for its benchmark.

Torch- and Ray-free (cards + the ONNX :class:`~medlens.serving.Predictor`). A model's figures are its
card's test metrics (measured at export on its own test split), or re-measured here when the
benchmark has a fixed public test split and the data are present (PneumoniaMNIST's official test
split). References come from ``resources/leaderboard_references.json``, each with its source and
protocol: published numbers are context, not a like-for-like comparison unless the protocol matches.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["LeaderboardRow", "benchmark_of", "leaderboard_markdown", "leaderboard_rows", "load_references"]

_BENCHMARKS = {
    "pneumoniamnist": "pneumoniamnist",
    "kermany": "pneumoniamnist",  # Kermany's official test split is the one PneumoniaMNIST's test was made from
    "ham10000": "ham10000",
    "melanoma_10000": "melanoma-kaggle",
}
COLUMNS = ("accuracy", "accuracy_at_threshold", "balanced_accuracy", "auroc", "target_sensitivity")
#: ``accuracy`` is at arg-max (what published tables report); ``accuracy_at_threshold`` is a binary model's
#: accuracy at its card's operating threshold (chosen on validation): the decision it serves
#: (task, source) of a multi-source card's in-source row -> the benchmark its figures compare with; only
#: where the task is the benchmark's (the melanoma bundle's HAM10000 part is melanoma vs benign, not
#: HAM10000's 7 classes, so it stands under no benchmark)
_SOURCE_BENCHMARKS = {("melanoma", "melanoma_10000"): "melanoma-kaggle"}


@dataclass
class LeaderboardRow:
    who: str  # model name or reference
    benchmark: str
    metrics: dict[str, Any]  # column -> float or {value, ci_low, ci_high}
    source: str  # "card", "re-measured (...)" or the citation
    protocol: str = ""
    ours: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def load_references(path: Path | None = None) -> list[dict[str, Any]]:
    if path is None:
        text = resources.files("medlens.resources").joinpath("leaderboard_references.json").read_text()
    else:
        text = Path(path).read_text()
    refs = json.loads(text)["references"]
    for i, r in enumerate(refs):
        missing = {"benchmark", "who", "metrics", "protocol", "source"} - set(r)
        if missing:
            raise ValueError(f"reference {i} lacks {', '.join(sorted(missing))}")
    return refs


def benchmark_of(card_data: dict[str, Any]) -> str:
    """The benchmark a card's training data belong to (from its dataset string), or ''."""
    dataset = str(card_data.get("dataset", ""))
    for key, bench in _BENCHMARKS.items():
        if key in dataset:
            return bench
    return ""


def _source_rows(card: dict[str, Any], who: str) -> list[LeaderboardRow]:
    """A multi-source card's in-source rows (``metrics.cross_source``) that belong to a benchmark."""
    block = card.get("metrics", {}).get("cross_source") or {}
    rows = []
    for r in block.get("rows", []):
        bench = _SOURCE_BENCHMARKS.get((str(card.get("task", card.get("name"))), str(r.get("source", ""))))
        if r.get("role") != "in-source" or bench is None:
            continue
        metrics = {
            col: r[key]
            for col, key in (
                ("accuracy", "accuracy"),
                ("auroc", "auroc"),
                ("target_sensitivity", "sensitivity"),
            )
            if r.get(key)
        }
        rows.append(
            LeaderboardRow(
                f"{who}, its {r['data']}",
                bench,
                metrics,
                f"card, source row (n={r['n']}; accuracy at arg-max, sensitivity at the card threshold "
                f"{float(block.get('threshold') or 0.5):.3f})",
                protocol=str(r["data"]),
                ours=True,
            )
        )
    return rows


_CARD_KEYS = {"auroc": "auroc_macro", "accuracy_at_threshold": "target_accuracy"}


def _card_columns(test: dict[str, Any], n_classes: int) -> dict[str, Any]:
    out = {}
    for col in COLUMNS:
        if col == "accuracy_at_threshold" and n_classes != 2:
            continue  # a multi-class model's target_accuracy is target-vs-rest, not its accuracy
        key = _CARD_KEYS.get(col, col)  # binary: macro AUROC is the target class's AUROC
        if key in test:
            out[col] = test[key]
    return out


#: card dataset key -> (adapter, path under the data root) of the official test split's images
_OFFICIAL_TEST = {
    "kermany": ("kermany224", "chest_xray_kermany224"),
    "pneumoniamnist": ("medmnist", "pneumoniamnist/pneumoniamnist.npz"),
}


def _remeasure_pneumoniamnist(model_dir: Path, data_root: Path, dataset: str = "") -> dict[str, Any] | None:
    """The bundle re-run on the official 624-image test split: Kermany's 224 px images for a model trained
    on them, else PneumoniaMNIST's 28 px copies."""
    adapter, rel = next(
        (v for k, v in _OFFICIAL_TEST.items() if k in dataset), _OFFICIAL_TEST["pneumoniamnist"]
    )
    path = data_root / rel
    if not path.exists():
        return None
    from medlens.data import create_dataset
    from medlens.serving import Predictor
    from medlens.serving.check import check_bundle

    sample_set = create_dataset(adapter, path)
    test = (sample_set.predefined_splits or {}).get("test")
    if not test:
        return None
    result = check_bundle(
        Predictor.from_card(model_dir), sample_set.subset(test, name="pneumonia-official-test")
    )
    return {"n": result.n, **_card_columns(result.metrics, len(sample_set.classes))}


def leaderboard_rows(
    models_dir: Path, data_root: Path | None = None, remeasure: bool = True
) -> list[LeaderboardRow]:
    """Our bundled image models (card or re-measured) then the references of their benchmarks."""
    rows: list[LeaderboardRow] = []
    for card_path in sorted(Path(models_dir).glob("*/card.json")):
        try:
            card = json.loads(card_path.read_text())
        except (OSError, ValueError) as exc:
            from medlens.card import CardError

            raise CardError(f"{card_path}: not a readable model card ({exc})") from None
        if card.get("kind") == "tabular":
            continue  # no published benchmark for the tabular COVID model
        data = card.get("data", {})
        bench = benchmark_of(data)
        metrics = _card_columns(card.get("metrics", {}).get("test", {}), len(card.get("classes", [])))
        source = f"card (test split: {data.get('split', '?')}, n={data.get('n_test', '?')})"
        if remeasure and bench == "pneumoniamnist" and data_root is not None:
            measured = _remeasure_pneumoniamnist(card_path.parent, data_root, str(data.get("dataset", "")))
            if measured is not None:
                source = f"re-measured now on the official test split (n={measured.pop('n')})"
                metrics = measured
        who = (
            f"medlens {card.get('name', card_path.parent.name)} ({card.get('backbone')}, "
            f"{card.get('preprocessing', {}).get('input_size')} px)"
        )
        rows.append(
            LeaderboardRow(who, bench or "-", metrics, source, str(data.get("source", "")), ours=True)
        )
        rows.extend(_source_rows(card, who))
    # the benchmarks our rows stand under, in the order they first appear
    benches = list(dict.fromkeys(r.benchmark for r in rows if r.benchmark != "-"))
    for ref in load_references():
        if ref["benchmark"] in benches:
            rows.append(
                LeaderboardRow(ref["who"], ref["benchmark"], ref["metrics"], ref["source"], ref["protocol"])
            )
    order = {b: i for i, b in enumerate(benches)}
    rows.sort(key=lambda r: (order.get(r.benchmark, len(order)), not r.ours))
    return rows


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        lo, hi = v.get("ci_low"), v.get("ci_high")
        if lo is not None and hi is not None:
            return f"{v['value']:.3f} [{lo:.3f}, {hi:.3f}]"
        return f"{v['value']:.3f}"
    return f"{float(v):.3f}"


def leaderboard_markdown(rows: list[LeaderboardRow]) -> str:
    head = ["benchmark", "model / reference", *COLUMNS, "figures from", "protocol"]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * len(COLUMNS) + "---|---|"]
    for r in rows:
        who = f"**{r.who}**" if r.ours else r.who
        cells = [r.benchmark, who, *(_cell(r.metrics.get(c)) for c in COLUMNS), r.source, r.protocol]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)

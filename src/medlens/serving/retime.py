"""Re-measure the latency that bundled models' cards state, on an idle machine (``medlens retime``).

A card's ``latency_ms`` is timed when the bundle is exported, whatever else the machine is doing then;
a bundle exported beside a training run records the training run's load. Retiming loads every named
bundle, times them in interleaved rounds (each model once per round, so a busy spell hits all alike),
and measures how much CPU *other* processes used meanwhile. If that share is above ``max_others`` the
figures describe the load, not the models, and nothing is written. Torch-free.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from medlens.card import CardError, ModelCard, edit_card_json, load_card
from medlens.serving.latency import cpu_session, hardware_summary, interleaved_latency, others_cpu_share

__all__ = ["MachineBusyError", "Retimed", "retime_bundles"]

log = logging.getLogger(__name__)


class MachineBusyError(RuntimeError):
    """Other processes used too much CPU while timing; the figures were not written."""


@dataclass(frozen=True)
class Retimed:
    """One bundle's latency before (as its card stated) and now."""

    model: str
    path: Path
    before_ms: float | None
    latency_ms: float
    q1_ms: float
    q3_ms: float
    before_batch32_ips: float | None
    batch32_ips: float


def _image_card(path: Path) -> ModelCard:
    card = load_card(path)
    if not isinstance(card, ModelCard):
        raise CardError(f"{path}: a {card.kind} model; retime times image models (ONNX)")
    return card


def _calls(cards: dict[str, ModelCard], sessions: dict[str, Any], batch: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    calls = {}
    for key, card in cards.items():
        size = card.preprocessing.input_size
        x = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
        sess = sessions[key]
        calls[key] = partial(sess.run, ["logits"], {sess.get_inputs()[0].name: x})
    return calls


def retime_bundles(
    paths: Sequence[Path],
    rounds: int = 7,
    runs: int = 20,
    threads: int | None = None,
    max_others: float = 0.1,
    write: bool = False,
    pause_s: float = 0.0,
) -> tuple[list[Retimed], float | None]:
    """Time every bundle in ``paths`` (batch 1: ``rounds`` x ``runs`` calls; batch 32: ``rounds`` x 3) and
    return the figures with the share of the machine's CPU that other processes used meanwhile (None
    where the platform cannot tell). ``threads`` None is ONNX Runtime's default, as at export; ``pause_s``
    spreads the rounds out (:func:`~medlens.serving.latency.interleaved_latency`).

    Raises :class:`MachineBusyError` when that share is above ``max_others`` (nothing is written);
    with ``write`` the cards' latency fields are updated in place (only those fields change)."""
    if not paths:
        raise ValueError("name at least one bundled model")
    cards = {str(p): _image_card(Path(p)) for p in paths}
    if len(cards) < len(paths):
        raise ValueError("a bundle is named twice")
    sessions = {key: cpu_session(card.weights_path, threads) for key, card in cards.items()}
    log.info("timing %d model(s): %d rounds x %d calls", len(cards), rounds, runs)
    with others_cpu_share() as share:
        single = interleaved_latency(_calls(cards, sessions, 1), rounds, runs, pause_s=pause_s)
        batched = interleaved_latency(_calls(cards, sessions, 32), rounds, 3, warmup=1)
    if share.value is not None and share.value > max_others:
        raise MachineBusyError(
            f"other processes used {share.value:.0%} of the CPUs while timing (limit {max_others:.0%}); "
            "these figures would describe that load, not the models. Nothing was written: run again "
            "when the machine is idle."
        )
    results = [
        Retimed(
            model=card.name,
            path=Path(key),
            before_ms=card.latency_ms,
            latency_ms=single[key]["latency_ms"],
            q1_ms=single[key]["latency_q1_ms"],
            q3_ms=single[key]["latency_q3_ms"],
            before_batch32_ips=card.latency_batch32_ips,
            batch32_ips=round(32_000 / batched[key]["latency_ms"], 1),
        )
        for key, card in cards.items()
    ]
    if write:
        method = _method(rounds, runs, threads, share.value, pause_s)
        for r in results:
            edit_card_json(r.path, partial(_set_latency, r=r, method=method))
    return results, share.value


def _method(rounds: int, runs: int, threads: int | None, share: float | None, pause_s: float = 0.0) -> str:
    others = "unknown" if share is None else f"{share:.0%}"
    spread = f" {pause_s:g} s apart" if pause_s > 0 else ""
    return (
        f"by medlens retime on {dt.date.today().isoformat()}, median of {rounds} interleaved rounds{spread} x "
        f"{runs} calls, batch 1, {threads or 'the default'} ONNX Runtime threads; other processes used "
        f"{others} of the CPUs meanwhile"
    )


def _set_latency(raw: dict[str, Any], r: Retimed, method: str) -> None:
    raw["latency_ms"] = r.latency_ms
    raw["latency_q1_ms"] = r.q1_ms
    raw["latency_q3_ms"] = r.q3_ms
    raw["latency_batch32_ips"] = r.batch32_ips
    raw["latency_hardware"] = hardware_summary()
    raw["latency_method"] = method

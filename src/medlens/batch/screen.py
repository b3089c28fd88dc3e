"""Screen many image files and write one row per file (JSONL or CSV).

``screen_local`` runs the :class:`~medlens.serving.Predictor` in this process; ``screen_ray`` runs the
same decode + predict in Ray Data actors (each holds one ONNX Runtime session and receives batches
of file paths), locally or on a cluster (``address``). Both give the same rows in the same order:
``file`` plus the Predictor's ``to_dict`` summary, or ``error`` for a file that cannot be read. With
``quality`` each row also carries the web upload's capture-quality verdict (``quality_ok``, the issue
codes, retake advice); a row whose photo fails it means "retake, then screen again", not a result.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["ScreenActor", "screen_local", "screen_ray", "write_rows"]

log = logging.getLogger(__name__)

CSV_FIELDS = (
    "file",
    "label",
    "target_class",
    "target_probability",
    "screen_positive",
    "risk",
    "ood",
    "source_ood",
    "nearest_source",
    "quality_ok",
    "quality_issues",
    "error",
)


class ScreenActor:
    """Decode and predict a batch of file paths (a Ray Data ``map_batches`` callable class)."""

    def __init__(
        self, model: str, tta: bool = True, lang: str = "en", threads: int | None = 1, quality: bool = False
    ) -> None:
        from medlens.quality.for_card import quality_check_for
        from medlens.serving import Predictor

        self.predictor = Predictor.from_card(model, tta=tta, threads=threads)
        self.lang = lang
        self.check = quality_check_for(self.predictor.card) if quality else None

    def rows(self, files: list[str]) -> list[dict[str, Any]]:
        from medlens.data.imageio import ImageDecodeError
        from medlens.quality.for_card import quality_row
        from medlens.serving import read_any_image

        images, ok, out = [], [], []
        for f in files:
            try:
                images.append(read_any_image(Path(f)))
                ok.append(f)
            except (ImageDecodeError, FileNotFoundError, OSError) as exc:
                out.append({"file": f, "error": str(exc)})
        preds = self.predictor.predict_batch(images, batch_size=max(1, len(images))) if images else []
        done = {f: {"file": f, **p.to_dict(self.lang)} for f, p in zip(ok, preds, strict=True)}
        if self.check is not None:
            for f, image in zip(ok, images, strict=True):
                done[f].update(quality_row(self.check(image), self.lang))
        errors = {r["file"]: r for r in out}
        return [done.get(f) or errors[f] for f in files]

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        rows = self.rows([str(f) for f in batch["file"]])
        return {"row": [json.dumps(r, ensure_ascii=False, default=float) for r in rows]}


def screen_local(
    files: list[Path],
    model: str | Path,
    batch_size: int = 32,
    tta: bool = True,
    quality: bool = False,
    lang: str = "en",
) -> Iterator[dict]:
    """Rows for ``files`` from one in-process Predictor (all cores for ONNX Runtime); risk labels,
    advice and retake advice in ``lang``."""
    actor = ScreenActor(str(model), tta=tta, lang=lang, threads=None, quality=quality)
    for start in range(0, len(files), batch_size):
        yield from actor.rows([str(Path(f).absolute()) for f in files[start : start + batch_size]])


def screen_ray(
    files: list[Path],
    model: str | Path,
    batch_size: int = 32,
    actors: int = 2,
    tta: bool = True,
    address: str | None = None,
    quality: bool = False,
    lang: str = "en",
) -> Iterator[dict]:
    """Rows for ``files`` from ``actors`` Ray Data actors (1 CPU and 1 ORT thread each), in input order."""
    from medlens.experiments.runner import init_ray

    init_ray(address, num_cpus=None if address else actors)
    import ray

    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    model_path = str(Path(model).resolve())
    items = ray.data.from_items([{"file": str(Path(f).absolute())} for f in files])
    ds = items.map_batches(
        ScreenActor,
        fn_constructor_kwargs={
            "model": model_path,
            "tta": tta,
            "lang": lang,
            "threads": 1,
            "quality": quality,
        },
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors),  # `concurrency=` is deprecated since Ray 2.51
        num_cpus=1,
        batch_format="numpy",
    )
    for item in ds.iter_rows():
        yield json.loads(item["row"])


def write_rows(rows: Iterable[dict], out: Path) -> int:
    """Write rows to ``out``: ``.jsonl`` (every field) or ``.csv`` (the main fields); returns the count."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    if out.suffix.lower() == ".csv":
        with out.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(CSV_FIELDS), extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow(r)
                n += 1
    elif out.suffix.lower() == ".jsonl":
        with out.open("w") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False, default=float) + "\n")
                n += 1
    else:
        raise ValueError(f"{out}: the output must end in .jsonl or .csv")
    return n

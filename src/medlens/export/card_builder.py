"""The model card of a training run, built in memory from its config, metrics and task (saved once,
by :func:`medlens.export.bundle.export_run`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from medlens.card import DataInfo, ModelCard, OODGate, Preprocessing, Thresholds
from medlens.serving.views import VIEWS
from medlens.tasks import TaskSpec

COMMON_LIMITS = (
    "Not a medical device and not a diagnosis: a screening aid whose results a clinician must confirm.",
    "Inputs far from the training data are flagged by an energy OOD gate fitted on validation data (99th "
    "percentile), which catches only some of them.",
)


def dataset_label(config: dict) -> str:
    """``melanoma_10000/train (imagefolder)``: the data folder below ``data/`` plus the adapter name."""
    parts = Path(config["data_root"]).parts
    tail = "/".join(parts[parts.index("data") + 1 :]) if "data" in parts else Path(config["data_root"]).name
    return f"{tail or config['data_root']} ({config['dataset']})"


def _split_seed(config: dict) -> Any:
    """The seed the run's split was made with (``split_seed`` when the run set one)."""
    return config["split_seed"] if config.get("split_seed") is not None else config.get("seed")


def card_from_run(
    spec: TaskSpec, config: dict[str, Any], run_metrics: dict[str, Any], name: str, command: str = ""
) -> ModelCard:
    """Everything the run folder knows, as a card: preprocessing, label schema, calibration and
    operating point of the run, its data and split, commands and the task's limitations."""
    run, data = run_metrics.get("run", {}), run_metrics.get("data", {})
    schema = spec.schema
    size = int(config["input_size"])
    return ModelCard(
        name=name,
        task=config["task"],
        backbone=config["backbone"],
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        classes=list(config["classes"]),
        heads={} if schema.plain else schema.as_mapping(),
        ordinal=schema.ordinal_names,
        preprocessing=Preprocessing(
            input_size=size,
            mean=tuple(config["mean"]),
            std=tuple(config["std"]),
            interpolation=config.get("interpolation", "area/bilinear"),
            resize=config.get("resize", "squash"),
            grayscale=bool(config.get("grayscale", False)),
            ops=list(config.get("image_ops", [])),
        ),
        temperature=float(run_metrics.get("temperature", 1.0)),
        tta=[op for op in run_metrics.get("tta", config.get("tta", [])) if op in VIEWS],
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
            dataset=dataset_label(config),
            source=data.get("source", ""),
            license=data.get("license", ""),
            split=f"{run.get('split_method', config.get('split', ''))} split, fractions {config.get('fractions')}, seed {_split_seed(config)}",
            fingerprint=run.get("split_fingerprint", ""),
            n_train=int(run.get("n_train", 0)),
            n_val=int(run.get("n_val", 0)),
            n_test=int(run.get("n_test", 0)),
        ),
        training_command=config.get("command", ""),
        export_command=command,
        limitations=[
            *spec.limitations,
            f"Input is resized to {size}x{size} px; finer detail is lost.",
            *COMMON_LIMITS,
        ],
    )

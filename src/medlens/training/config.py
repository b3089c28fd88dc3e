"""The configuration of one training run: every option, its default and help, defined once.

``medlens train`` is derived from these fields (``cli/train.py``); ``choices`` names a registry whose
names the CLI offers and checks. ``None`` defaults for backbone, input size and augmentation mean "the
task's" (:class:`~medlens.tasks.TaskSpec`). The resolved config is written to ``config.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


def opt(default: Any, help: str, choices: str | None = None, cli: bool = True, **kw: Any) -> Any:
    """A config field with its CLI help and (optionally) the registry its value must come from."""
    meta = {"help": help, "choices": choices, "cli": cli}
    if default is ...:  # required
        return field(metadata=meta, **kw)
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta, **kw)
    return field(default=default, metadata=meta, **kw)


@dataclass
class TrainConfig:
    task: str = opt(..., "Task name (medlens tasks).", "tasks")
    dataset: str = opt(..., "Dataset adapter.", "datasets")
    data_root: str = opt(..., "Dataset root (folder or file).")
    out: str = opt(..., "Run folder, e.g. runs/NAME.")
    backbone: str | None = opt(None, "timm model name (default: the task's).")
    pretrained: str | None = opt(
        "auto",
        "'auto' (the local ImageNet weights of EfficientNet-Lite0/1/2, else none), 'none', "
        "'lite0-imagenet', 'lite1-imagenet', 'lite2-imagenet' or a file.",
    )
    input_size: int | None = opt(None, "Square input side in px (default: the task's).")
    epochs: int = opt(10, "Training epochs.")
    batch_size: int = opt(64, "Batch size.")
    lr: float = opt(1e-3, "Peak learning rate.")
    weight_decay: float = opt(1e-4, "Weight decay.")
    optimizer: str = opt("adamw", "Optimizer.", "optimizers")
    scheduler: str = opt("cosine", "Learning-rate schedule (cosine has a linear warm-up).", "schedulers")
    warmup_epochs: float = opt(1.0, "Warm-up epochs (cosine).")
    step_size: int = opt(7, "StepLR period in epochs (scheduler=step).")
    drop_rate: float = opt(0.2, "Dropout before the head.")
    preset: str | None = opt(
        None, "Augmentation preset (default: the task's); seed 002's F1..C8 work too.", "presets"
    )
    image_ops: list[str] = opt(
        [], "Image op after the resize, also applied when served (repeatable): sog, circle.", "image_ops"
    )
    loss: str = opt(
        "ce", "Loss for a single nominal head (several/ordinal heads: CE/CORN per head).", "losses"
    )
    focal_gamma: float = opt(2.0, "Focal-loss gamma (loss=focal).")
    class_weighted: bool = opt(False, "Inverse-frequency class weights in the loss.")
    sampler: str = opt("none", "Training sampler: none | weighted (class-balanced oversampling).", "samplers")
    lp_epochs: int = opt(0, "Linear-probe epochs (frozen backbone) before fine-tuning (LP-FT).")
    patience: int = opt(5, "Early-stopping patience in epochs.")
    monitor: str = opt("auroc", "Validation metric for model selection.", "monitors")
    tta: list[str] = opt(
        [], "Test-time views at evaluation, repeatable: hflip, vflip, rot90, rot180, rot270, transpose, transverse.",
        "tta",
    )  # fmt: skip
    seed: int = opt(0, "Seed for split, sampling, augmentation and initialisation.")
    split_seed: int | None = opt(
        None,
        "Seed of the split alone (default: --seed): other seeds of one split, e.g. for ensemble members.",
    )
    split: str = opt(
        "grouped",
        "grouped (official splits when present) | grouped-dedup (also joins duplicate photos) | random (leaky).",
        "splits",
    )
    fractions: tuple[float, float, float] = opt((0.7, 0.15, 0.15), "Train/val/test fractions.")
    max_train_samples: int | None = opt(None, "Subsample train for quick runs.")
    extra_train: list[str] = opt(
        [],
        "Confirmed-case dataset folder (medlens retrain dataset) added to the train split only; val/test "
        "stay the original data's split (repeatable).",
    )
    num_workers: int = opt(0, "DataLoader worker processes.")
    threads: int | None = opt(None, "torch threads (default: available cores).")
    channels_last: bool = opt(False, "channels-last memory format.")
    cache_dir: str | None = opt("runs/cache", "Resized-image cache folder ('' = memory only).")
    n_boot: int = opt(1000, "Bootstrap resamples for the 95% CIs.")
    target_recall: float | None = opt(
        None, "Recall aimed at by the operating threshold (default: the task's)."
    )
    progress: bool = opt(True, "Progress bars.")
    workers: int = opt(1, "Data-parallel workers on Ray Train (gloo, CPU); 1 = this process only.")
    ray_address: str | None = opt(None, "Ray cluster address for --workers > 1 (default: a local Ray).")
    mix: str = opt(
        "none", "Batch mixing: none | mixup | cutmix | mixup-cutmix (loss ce/smooth only).", "mixes"
    )
    mix_alpha: float = opt(0.4, "Beta(alpha, alpha) of the MixUp/CutMix ratio.")
    teacher: list[str] = opt(
        [],
        "Teacher run folder or exported bundle for ensemble distillation (repeatable; same split).",
        cli=True,
    )
    kd_alpha: float = opt(0.7, "Weight of the distillation term (with --teacher).")
    kd_temperature: float = opt(4.0, "Distillation temperature T (with --teacher).")
    curriculum: str = opt(
        "none",
        "With --teacher: none | confidence (easy -> hard by teacher-ensemble confidence).",
        "curricula",
    )
    # filled in by the run (not options)
    mean: tuple[float, ...] = opt((), "", cli=False)
    std: tuple[float, ...] = opt((), "", cli=False)
    classes: list[str] = opt([], "", cli=False)
    heads: dict[str, int] = opt({}, "", cli=False)  # logits per head, when not one plain head
    num_classes: int = opt(0, "", cli=False)
    command: str = opt("", "", cli=False)
    grayscale: bool = opt(False, "", cli=False)
    interpolation: str = opt("area/bilinear", "", cli=False)
    resize: str = opt("squash", "", cli=False)

    @property
    def split_seed_used(self) -> int:
        """The seed the split is made with: ``split_seed`` when given, else ``seed``."""
        return self.seed if self.split_seed is None else self.split_seed

    def resolved(self, name: str) -> Any:
        """A field the task fills in (backbone, input_size, preset): its value once resolved."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"config.{name} is not set: call training.run.resolve_config first")
        return value

    @classmethod
    def options(cls) -> list[Any]:
        """The dataclass fields that are command-line options, in declaration order."""
        return [f for f in fields(cls) if f.metadata.get("cli", True)]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fractions"] = list(self.fractions)
        return d

    def save(self, path: Path) -> Path:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))
        return Path(path)

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        raw = json.loads(Path(path).read_text())
        raw["fractions"] = tuple(raw.get("fractions", (0.7, 0.15, 0.15)))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})

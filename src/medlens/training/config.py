"""The resolved configuration of one training run (written to ``config.json``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TrainConfig:
    task: str
    dataset: str
    data_root: str
    out: str
    backbone: str = "tf_efficientnet_lite0"
    pretrained: str | None = "lite0-imagenet"
    input_size: int = 224
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    optimizer: str = "adamw"
    scheduler: str = "cosine"
    warmup_epochs: float = 1.0
    step_size: int = 7
    drop_rate: float = 0.2
    preset: str = "C1"
    image_ops: list[str] = field(default_factory=list)  # medlens.data.image_ops, after resize (train + serve)
    loss: str = "ce"
    focal_gamma: float = 2.0
    class_weighted: bool = False
    sampler: str = "none"  # "none" | "weighted"
    lp_epochs: int = 0
    patience: int = 5
    monitor: str = "auroc"
    tta: list[str] = field(default_factory=list)
    seed: int = 0
    split: str = "grouped"  # "grouped" (official splits when present) | "grouped-dedup" | "random"
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    max_train_samples: int | None = None
    num_workers: int = 0
    threads: int | None = None
    channels_last: bool = False
    cache_dir: str | None = "runs/cache"
    n_boot: int = 1000
    target_recall: float | None = None  # default: the task's
    progress: bool = True
    # filled in by the run
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    classes: list[str] = field(default_factory=list)
    heads: dict[str, int] = field(default_factory=dict)
    num_classes: int = 0
    command: str = ""
    grayscale: bool = False
    interpolation: str = "area/bilinear"
    resize: str = "squash"

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

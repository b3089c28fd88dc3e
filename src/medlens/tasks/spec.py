"""TaskSpec: a screening task described as data (labels, target class, defaults, texts)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    """A short text in English and Korean."""

    en: str
    ko: str

    def get(self, lang: str) -> str:
        return self.ko if lang.startswith("ko") else self.en


@dataclass(frozen=True)
class RiskBand:
    """Risk level applied when the target-class probability is at least ``min_prob``.

    ``min_prob`` may be the string ``"threshold"`` meaning the model card's operating threshold.
    """

    level: str  # "low" | "moderate" | "high"
    min_prob: float | str
    label: Text
    advice: Text


@dataclass(frozen=True)
class Head:
    """One output head. Single-label tasks have one head named ``label``; scalp has six ordinal heads."""

    name: str
    classes: tuple[str, ...]
    title: Text
    ordinal: bool = False


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: Text
    heads: tuple[Head, ...]
    target: str | None  # screening (target) class name of the first head, e.g. "malignant"
    modality: str  # "dermoscopy" | "skin-photo" | "scalp-photo" | "chest-xray" | "tabular"
    default_backbone: str = "tf_efficientnet_lite0"
    input_size: int = 224
    target_recall: float = 0.90
    risk_bands: tuple[RiskBand, ...] = ()
    class_text: dict[str, Text] = field(default_factory=dict)
    photo_guide: Text | None = None
    # data sources the task trains on (``medlens.data.sources``: dataset or dataset/collection names);
    # evaluation reports every other source as cross-source
    sources: tuple[str, ...] = ()

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names of the first (main) head."""
        return self.heads[0].classes

    @property
    def multi_head(self) -> bool:
        return len(self.heads) > 1

    @property
    def target_index(self) -> int | None:
        if self.target is None:
            return None
        return self.classes.index(self.target)

    def class_title(self, name: str, lang: str) -> str:
        text = self.class_text.get(name)
        return text.get(lang) if text else name

    def risk_for(self, target_prob: float, threshold: float) -> RiskBand | None:
        """Highest band whose minimum the target probability reaches (bands sorted low→high)."""
        chosen = None
        for band in self.risk_bands:
            lo = threshold if band.min_prob == "threshold" else float(band.min_prob)
            if target_prob >= lo:
                chosen = band
        return chosen

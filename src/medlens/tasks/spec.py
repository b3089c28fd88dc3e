"""TaskSpec: a screening task described as data — the single source of every task fact.

Labels (a :class:`~medlens.tasks.schema.LabelSchema`), the target class, the modality and its flags,
default backbone / input size / augmentation, operating recall, risk bands, advice, class and grade
texts (ko/en), reference floors, published numbers and limitations. Training, export, serving, the
web app, the PDF and the CLI read them from here; adding a task touches no other file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from medlens.tasks.modality import Modality, get_modality
from medlens.tasks.schema import Head, LabelSchema
from medlens.tasks.text import Text


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
class Reference:
    """A published or required figure quoted beside ours in reports: who, on what, and the numbers."""

    what: str
    figures: str


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: Text
    heads: tuple[Head, ...]
    target: str | None  # screening (target) class name of the first head, e.g. "malignant"
    modality: str  # a registered Modality name: "dermoscopy", "skin-photo", "scalp-photo", "chest-xray" …
    default_backbone: str = "tf_efficientnet_lite0"
    input_size: int = 224
    default_preset: str = "flip-rotate"
    target_recall: float = 0.90
    risk_bands: tuple[RiskBand, ...] = ()
    class_text: Mapping[str, Text] = field(default_factory=dict)  # main head's classes
    photo_guide: Text | None = None
    floors: Mapping[str, float] = field(default_factory=dict)  # test metric -> minimum we accept
    published: tuple[Reference, ...] = ()
    limitations: tuple[str, ...] = ()  # stated in every model card of this task
    # a screen-positive whose symptoms began less than this many hours ago is urgent (e.g. herpes
    # zoster: antivirals within 72 h of rash onset); the upload then asks for the onset time
    urgent_window_hours: float | None = None
    urgent_text: Text | None = None  # the banner shown to the patient for an urgent result
    derived: tuple[str, ...] = ()  # derived results (medlens.tasks.derived), e.g. ("scalp-type",)

    @property
    def schema(self) -> LabelSchema:
        return LabelSchema(self.heads)

    @property
    def modality_info(self) -> Modality:
        return get_modality(self.modality)

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

    def class_title(self, name: str, lang: str, head: str | None = None) -> str:
        """Title of a class of ``head`` (default: the main head) in ``lang``; the name if none is given."""
        h = self.schema.head(head) if head else self.heads[0]
        text = h.class_text.get(name) or (self.class_text.get(name) if h is self.heads[0] else None)
        return text.get(lang) if text else name

    def label_title(self, label: str, lang: str) -> str:
        """What the result line shows: the class title, or "<main head>: <grade>" for several heads."""
        title = self.class_title(label, lang)
        return f"{self.heads[0].title.get(lang)}: {title}" if self.multi_head else title

    def risk_for(self, target_prob: float, threshold: float) -> RiskBand | None:
        """Highest band whose minimum the target probability reaches (bands sorted low→high).

        The bands from the ``"threshold"`` band on are the screen-positive ones: a fixed minimum after it
        that lies below the card's threshold (a high band at 0.80 with a threshold of 0.91) is raised to the
        threshold, so a result the model does not flag is never shown as a raised risk."""
        chosen = None
        positive = False
        for band in self.risk_bands:
            positive = positive or band.min_prob == "threshold"
            lo = threshold if band.min_prob == "threshold" else float(band.min_prob)
            if positive:
                lo = max(lo, threshold)
            if target_prob >= lo:
                chosen = band
        return chosen

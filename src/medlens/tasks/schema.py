"""Label schemas: one object that says what a model's logits mean.

A schema is a tuple of :class:`Head` s. A single nominal head is the ordinary classifier (logits =
classes); several heads are concatenated in order; an **ordinal** head (grades 0..K-1) has K-1 logits
trained with the CORN loss (Shi et al. 2023, conditional ordinal regression) and decoded here into K
grade probabilities that are always consistent (P(grade > k) never increases with k).

Everything that turns logits into probabilities — training metrics, export, the Predictor, web pages —
goes through :meth:`LabelSchema.probabilities`. Torch-free on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from medlens.tasks.text import Text


@dataclass(frozen=True)
class Head:
    """One output: its classes (or grades, for ``ordinal``), title and per-class texts."""

    name: str
    classes: tuple[str, ...]
    title: Text
    ordinal: bool = False
    class_text: Mapping[str, Text] = field(default_factory=dict)

    @property
    def n_logits(self) -> int:
        return len(self.classes) - 1 if self.ordinal else len(self.classes)

    def class_title(self, name: str, lang: str) -> str:
        text = self.class_text.get(name)
        return text.get(lang) if text else name


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def corn_probabilities(logits: np.ndarray) -> np.ndarray:
    """CORN: K-1 conditional logits ``z_k = logit P(y > k | y >= k)`` -> K grade probabilities."""
    z = np.asarray(logits, np.float64)
    cond = 1.0 / (1.0 + np.exp(-z))
    above = np.cumprod(cond, axis=-1)  # P(y > k), k = 0..K-2, non-increasing
    ones = np.ones((*above.shape[:-1], 1))
    zeros = np.zeros_like(ones)
    upper = np.concatenate([ones, above], axis=-1)  # P(y > k-1)
    lower = np.concatenate([above, zeros], axis=-1)  # P(y > k)
    return np.clip(upper - lower, 0.0, 1.0)


@dataclass(frozen=True)
class LabelSchema:
    """The heads of a model, in logit order."""

    heads: tuple[Head, ...]

    def __post_init__(self) -> None:
        if not self.heads:
            raise ValueError("a label schema needs at least one head")
        names = [h.name for h in self.heads]
        if len(set(names)) != len(names):
            raise ValueError(f"head names must be unique, got {names}")
        for h in self.heads:
            if len(h.classes) < 2:
                raise ValueError(f"head {h.name!r} needs at least two classes, got {list(h.classes)}")

    @classmethod
    def single(cls, classes: Sequence[str], title: Text | None = None) -> LabelSchema:
        return cls((Head("label", tuple(classes), title or Text("Result", "결과")),))

    @classmethod
    def from_mapping(cls, heads: Mapping[str, Sequence[str]], ordinal: Sequence[str] = ()) -> LabelSchema:
        """From a card's ``{head: classes}`` and the names of its ordinal heads (titles are the names)."""
        return cls(tuple(Head(n, tuple(c), Text(n, n), ordinal=n in set(ordinal)) for n, c in heads.items()))

    # --- shape -----------------------------------------------------------------------------------
    @property
    def main(self) -> Head:
        return self.heads[0]

    @property
    def multi_head(self) -> bool:
        return len(self.heads) > 1

    @property
    def plain(self) -> bool:
        """One nominal head: logits are the class scores (the ordinary classifier)."""
        return not self.multi_head and not self.main.ordinal

    @property
    def names(self) -> list[str]:
        return [h.name for h in self.heads]

    @property
    def logit_sizes(self) -> dict[str, int]:
        return {h.name: h.n_logits for h in self.heads}

    @property
    def n_logits(self) -> int:
        return sum(h.n_logits for h in self.heads)

    @property
    def ordinal_names(self) -> list[str]:
        return [h.name for h in self.heads if h.ordinal]

    def head(self, name: str) -> Head:
        for h in self.heads:
            if h.name == name:
                return h
        raise ValueError(f"unknown head {name!r}; heads: {', '.join(self.names)}")

    def slices(self) -> dict[str, slice]:
        out, start = {}, 0
        for h in self.heads:
            out[h.name] = slice(start, start + h.n_logits)
            start += h.n_logits
        return out

    def as_mapping(self) -> dict[str, list[str]]:
        return {h.name: list(h.classes) for h in self.heads}

    # --- decoding --------------------------------------------------------------------------------
    def probabilities(self, logits: np.ndarray, temperature: float = 1.0) -> dict[str, np.ndarray]:
        """``{head: probabilities}`` for logits of shape (n_logits,) or (N, n_logits)."""
        z = np.asarray(logits, np.float64) / float(temperature)
        if z.shape[-1] != self.n_logits:
            raise ValueError(f"expected {self.n_logits} logits per image, got {z.shape[-1]}")
        out = {}
        for h in self.heads:
            part = z[..., self.slices()[h.name]]
            out[h.name] = corn_probabilities(part) if h.ordinal else _softmax(part)
        return out

    def head_logits(self, logits: np.ndarray, name: str) -> np.ndarray:
        return np.asarray(logits)[..., self.slices()[name]]

"""Feature-space OOD gate that knows the training sources (numpy only).

An image's embedding is the global-average-pooled last feature map, L2-normalised (:func:`embed`).
:func:`fit_bank` fits a PCA on training embeddings and keeps a seeded sample of training embeddings per
source (the reference bank: PCA coordinates in float16 + the squared norm of what the PCA leaves out).

Two scores per image (:meth:`SourceBank.score`):

* ``distance``: cosine distance to its ``k``-th nearest reference over all sources, in the full
  embedding space: for unit vectors ``1 - cos(x, r) = |x - r|² / 2``, and ``|x - r|²`` is the PCA part
  ``|P(x - r)|²`` plus the two residuals' squared norms (exact when the residuals are orthogonal, as
  they nearly are in a 1000-d space), so the bank need not hold full embeddings. Also the source of
  the nearest reference.
* ``residual``: squared norm of the embedding's part outside the training PCA subspace (how unlike
  every training image's main directions it is).

The gate flags an image whose score is above its threshold, fitted at a high quantile of validation
scores (:func:`fit_threshold`). Far from every training source -> refer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_K = 5
DEFAULT_DIMS = 64
DEFAULT_PER_SOURCE = 400
DEFAULT_MAX_REFS = 1000
DEFAULT_QUANTILE = 0.99


class SourceBankError(ValueError):
    """The reference bank file is missing or malformed."""


def _unit(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norm, 1e-12)


def embed(features: np.ndarray) -> np.ndarray:
    """(N, C, h, w) feature maps (or already pooled (N, C)) -> (N, C) L2-normalised pooled embeddings."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim == 4:
        f = f.mean(axis=(2, 3))
    if f.ndim != 2:
        raise ValueError(f"features must have shape (N, C, h, w) or (N, C), got {f.shape}")
    return _unit(f)


@dataclass(frozen=True)
class SourceScores:
    distance: np.ndarray  # (N,) cosine distance to the k-th nearest reference
    residual: np.ndarray  # (N,) squared norm outside the PCA subspace
    nearest: list[str]  # source of the nearest reference


@dataclass(frozen=True)
class SourceBank:
    """PCA (``mean``, ``components``) and the references: PCA coordinates, residual norms², source."""

    mean: np.ndarray  # (C,)
    components: np.ndarray  # (d, C)
    refs: np.ndarray  # (R, d) PCA coordinates of unit embeddings (float16 on disk)
    ref_residual: np.ndarray  # (R,) squared norm outside the PCA subspace
    ref_source: np.ndarray  # (R,) int index into ``sources``
    sources: tuple[str, ...]

    def project(self, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit embeddings (N, C) -> PCA coordinates (N, d) and squared residual norms (N,)."""
        x = np.asarray(emb, np.float64) - self.mean
        z = np.einsum("nc,dc->nd", x, self.components)
        return z, np.maximum(np.einsum("nc,nc->n", x, x) - np.einsum("nd,nd->n", z, z), 0.0)

    def score(self, emb: np.ndarray, k: int = DEFAULT_K) -> SourceScores:
        """Both scores and the nearest reference's source, per row of ``emb`` (unit embeddings)."""
        if len(self.refs) == 0:
            raise SourceBankError("the reference bank is empty")
        z, res = self.project(np.atleast_2d(emb))
        sq = (
            np.einsum("nd,nd->n", z, z)[:, None]
            + np.einsum("rd,rd->r", self.refs, self.refs)[None, :]
            - 2.0 * np.einsum("nd,rd->nr", z, self.refs)
        )
        dist = np.clip((np.maximum(sq, 0.0) + res[:, None] + self.ref_residual[None, :]) / 2.0, 0.0, 2.0)
        kk = min(max(1, k), dist.shape[1])
        kth = np.partition(dist, kk - 1, axis=1)[:, kk - 1]
        nearest = [self.sources[int(self.ref_source[j])] for j in dist.argmin(axis=1)]
        return SourceScores(distance=kth, residual=res, nearest=nearest)

    def save(self, path: Path) -> Path:
        np.savez(
            path,
            mean=self.mean.astype(np.float32),
            components=self.components.astype(np.float16),
            refs=self.refs.astype(np.float16),
            ref_residual=self.ref_residual.astype(np.float32),
            ref_source=self.ref_source.astype(np.int32),
            sources=np.array(self.sources, dtype=str),
        )
        return Path(path)

    @classmethod
    def load(cls, path: Path) -> SourceBank:
        try:
            with np.load(path, allow_pickle=False) as z:
                bank = cls(
                    mean=z["mean"].astype(np.float64),
                    components=z["components"].astype(np.float64),
                    refs=z["refs"].astype(np.float64),
                    ref_residual=z["ref_residual"].astype(np.float64),
                    ref_source=z["ref_source"].astype(np.int64),
                    sources=tuple(str(s) for s in z["sources"]),
                )
        except FileNotFoundError:
            raise SourceBankError(f"{path}: reference bank file is missing") from None
        except Exception as exc:
            raise SourceBankError(f"{path}: cannot read reference bank ({exc})") from exc
        if bank.refs.shape[1] != bank.components.shape[0] or bank.components.shape[1] != bank.mean.shape[0]:
            raise SourceBankError(f"{path}: reference bank arrays have inconsistent shapes")
        if (
            len(bank.ref_source) != len(bank.refs)
            or len(bank.ref_residual) != len(bank.refs)
            or (len(bank.ref_source) and int(bank.ref_source.max()) >= len(bank.sources))
        ):
            raise SourceBankError(f"{path}: reference bank sources do not match its references")
        return bank


def fit_bank(
    emb: np.ndarray,
    sources: Sequence[str],
    dims: int = DEFAULT_DIMS,
    per_source: int = DEFAULT_PER_SOURCE,
    max_refs: int = DEFAULT_MAX_REFS,
    seed: int = 0,
) -> SourceBank:
    """PCA to at most ``dims`` on unit training embeddings (N, C), then up to ``per_source`` seeded references
    per source (at most ``max_refs`` in all, sources sharing evenly)."""
    x = np.asarray(emb, np.float64)
    src = np.asarray(sources, dtype=object)
    if x.ndim != 2 or len(x) != len(src) or len(x) < 2:
        raise ValueError(f"fit_bank needs (N >= 2, C) embeddings and N sources, got {x.shape} / {len(src)}")
    mean = x.mean(axis=0).astype(np.float32).astype(np.float64)  # as stored
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    # rounded as stored, so fitting sees exactly what serving loads
    components = vt[: max(1, min(dims, len(vt)))].astype(np.float16).astype(np.float64)
    names = tuple(sorted({str(s) for s in src}))
    keep = reference_sample(src, per_source, max_refs, seed)
    partial = SourceBank(
        mean, components, np.zeros((0, len(components))), np.zeros(0), np.zeros(0, np.int64), names
    )
    z, res = partial.project(x[keep])
    return SourceBank(
        mean=mean,
        components=components,
        refs=z.astype(np.float16).astype(np.float64),  # as stored
        ref_residual=res.astype(np.float32).astype(np.float64),
        ref_source=np.array([names.index(str(src[i])) for i in keep], np.int64),
        sources=names,
    )


def reference_sample(
    sources: Sequence[str] | np.ndarray, per_source: int = DEFAULT_PER_SOURCE, max_refs: int = DEFAULT_MAX_REFS,
    seed: int = 0,
) -> list[int]:  # fmt: skip
    """Seeded positions of up to ``per_source`` items per source, at most ``max_refs`` in all: small
    sources keep all of theirs and the larger ones share the rest evenly (sorted positions)."""
    src = np.asarray(sources, dtype=object)
    names = sorted({str(s) for s in src})
    members = {n: np.flatnonzero(src == n) for n in names}
    rng = np.random.default_rng(seed)
    left, keep = max_refs, []
    for i, name in enumerate(sorted(names, key=lambda n: (len(members[n]), n))):
        q = max(1, min(per_source, len(members[name]), left // (len(names) - i)))
        left -= q
        keep.extend(rng.choice(members[name], size=q, replace=False).tolist())
    return sorted(int(i) for i in keep)


def is_far(scores: SourceScores, threshold: float, residual_threshold: float | None = None) -> np.ndarray:
    """True per row where the distance (or, when given, the residual) is above its threshold."""
    far = scores.distance > threshold
    return far | (scores.residual > residual_threshold) if residual_threshold is not None else far


def fit_thresholds(scores: SourceScores, quantile: float = DEFAULT_QUANTILE) -> tuple[float, float]:
    """(distance, residual) thresholds, each at the ``1 - (1 - quantile) / 2`` quantile of validation
    scores, so that together they flag at most ``1 - quantile`` of in-distribution images."""
    q = 1.0 - (1.0 - quantile) / 2.0
    return fit_threshold(scores.distance, q), fit_threshold(scores.residual, q)


def fit_threshold(val_scores: np.ndarray, quantile: float = DEFAULT_QUANTILE) -> float:
    """Score above which an input is flagged: the ``quantile`` quantile of in-distribution val scores."""
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    s = np.asarray(val_scores, np.float64)
    if s.size == 0:
        raise ValueError("fit_threshold needs at least one validation score")
    return float(np.quantile(s, quantile))

"""Source gate maths (``medlens.quality.source_gate``) on tiny synthetic embeddings with known answers,
and the card block: round trip, sha256 check, old cards without it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from medlens.card import CardError, ModelCard, SourceGate, sha256_file
from medlens.config import PROJECT_ROOT
from medlens.quality.source_gate import (
    SourceBank,
    SourceBankError,
    embed,
    fit_bank,
    fit_threshold,
    fit_thresholds,
    is_far,
    reference_sample,
)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _two_sources(rng: np.random.Generator, n: int = 60, c: int = 16) -> tuple[np.ndarray, list[str]]:
    """Two tight clusters (around e0 and e1) in a c-dim space, one per source."""
    a = _unit(np.eye(c)[0] + 0.05 * rng.standard_normal((n, c)))
    b = _unit(np.eye(c)[1] + 0.05 * rng.standard_normal((n, c)))
    return np.concatenate([a, b]), ["clinic-a"] * n + ["clinic-b"] * n


def test_embed_pools_and_normalises() -> None:
    maps = np.zeros((2, 3, 2, 2))
    maps[0, 0] = 3.0
    maps[1, :, 0, 0] = 4.0  # mean over the 2x2 map: 1.0 per channel
    out = embed(maps)
    assert np.allclose(out[0], [1, 0, 0]) and np.allclose(out[1], np.ones(3) / np.sqrt(3))
    assert np.allclose(embed(np.array([[0.0, 2.0]])), [[0.0, 1.0]])
    with pytest.raises(ValueError):
        embed(np.zeros(3))


def test_distance_is_the_full_space_cosine_distance_to_the_kth_neighbour(rng) -> None:
    emb, src = _two_sources(rng)
    bank = fit_bank(emb, src, dims=16, per_source=100, max_refs=1000)  # PCA keeps everything: exact
    probe = _unit(rng.standard_normal((5, emb.shape[1])))
    scores = bank.score(probe, k=3)
    exact = 1.0 - probe @ emb.T  # every training vector is a reference here
    want = np.sort(exact, axis=1)[:, 2]
    assert np.allclose(scores.distance, want, atol=2e-3)  # float16 references
    assert scores.nearest == [src[j] for j in exact.argmin(axis=1)]


def test_nearest_source_and_far_point(rng) -> None:
    emb, src = _two_sources(rng)
    bank = fit_bank(emb, src, dims=4)
    near_b = _unit(np.eye(16)[1] + 0.01)[None]
    far = np.eye(16)[7][None]  # orthogonal to both sources: cosine distance 1
    s = bank.score(np.concatenate([near_b, far]), k=5)
    assert s.nearest[0] == "clinic-b"
    assert s.distance[0] < 0.05 and s.distance[1] == pytest.approx(1.0, abs=0.08)
    assert s.residual[1] > s.residual[0]  # e7 lies outside the training subspace
    val = bank.score(_two_sources(np.random.default_rng(1))[0], k=5)
    t, tr = fit_thresholds(val, 0.99)
    assert list(is_far(s, t, tr)) == [False, True]
    assert list(is_far(s, t)) == [False, True]  # the distance alone already catches it


def test_threshold_is_the_quantile_of_validation_scores() -> None:
    scores = np.arange(101, dtype=float)  # 0..100
    assert fit_threshold(scores, 0.99) == pytest.approx(99.0)
    assert fit_threshold(scores, 0.5) == pytest.approx(50.0)
    with pytest.raises(ValueError):
        fit_threshold(scores, 1.0)
    with pytest.raises(ValueError):
        fit_threshold(np.array([]), 0.9)


def test_reference_sample_quota_and_seed() -> None:
    src = ["big"] * 500 + ["small"] * 3 + ["mid"] * 50
    keep = reference_sample(src, per_source=400, max_refs=100, seed=0)
    kept = [src[i] for i in keep]
    assert kept.count("small") == 3  # small sources keep all of theirs
    assert kept.count("mid") == 48 and kept.count("big") == 49  # the rest is shared evenly
    assert keep == reference_sample(src, per_source=400, max_refs=100, seed=0) == sorted(keep)
    assert keep != reference_sample(src, per_source=400, max_refs=100, seed=1)


def test_bank_file_round_trip_scores_the_same(rng, tmp_path: Path) -> None:
    emb, src = _two_sources(rng)
    bank = fit_bank(emb, src, dims=4)
    loaded = SourceBank.load(bank.save(tmp_path / "bank.npz"))
    assert loaded.sources == ("clinic-a", "clinic-b")
    probe = _unit(rng.standard_normal((4, 16)))
    a, b = bank.score(probe), loaded.score(probe)
    assert np.allclose(a.distance, b.distance, atol=1e-6) and a.nearest == b.nearest
    with pytest.raises(SourceBankError):
        SourceBank.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "bad.npz", mean=np.zeros(3))
    with pytest.raises(SourceBankError):
        SourceBank.load(tmp_path / "bad.npz")


MELANOMA = PROJECT_ROOT / "models" / "melanoma"


@pytest.fixture
def bundle_copy(tmp_path: Path) -> Path:
    if not (MELANOMA / "card.json").exists():
        pytest.skip("models/melanoma is missing")
    out = tmp_path / "melanoma"
    shutil.copytree(MELANOMA, out)
    return out


def test_card_round_trip_and_bank_sha256_is_checked(bundle_copy: Path, rng) -> None:
    card = ModelCard.load(bundle_copy)
    emb, src = _two_sources(rng)
    path = fit_bank(emb, src, dims=4).save(bundle_copy / "ood_bank.npz")
    card.source_gate = SourceGate(threshold=0.3, residual_threshold=0.2, file=path.name, sha256=sha256_file(path),
                                  sources={"clinic-a": 60, "clinic-b": 60}, held_out={"x": {"source": 0.5}})  # fmt: skip
    card.save(bundle_copy)
    again = ModelCard.load(bundle_copy)
    assert again.source_gate == card.source_gate
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(CardError, match="OOD reference bank"):
        ModelCard.load(bundle_copy)
    path.unlink()
    with pytest.raises(CardError, match="missing"):
        ModelCard.load(bundle_copy)


def test_old_card_without_the_block_loads(bundle_copy: Path) -> None:
    raw = json.loads((bundle_copy / "card.json").read_text())
    raw.pop("source_gate", None)
    (bundle_copy / "card.json").write_text(json.dumps(raw))
    (bundle_copy / "ood_bank.npz").unlink(missing_ok=True)
    assert ModelCard.load(bundle_copy).source_gate is None

"""Synthetic scalp textures whose six grades (0-3) are known by construction.

No graded scalp data is reachable here, so this proves the grading pipeline (six CORN heads, QWK and
grade MAE) on generated images. Each grade drives one visual factor, independently of the others:

- ``fine_dandruff`` (미세각질): count of tiny pale specks (1-2 px);
- ``excess_sebum`` (피지과다): glossy specular patches and a yellowish sheen;
- ``erythema_interfollicular`` (모낭사이홍반): diffuse redness of the skin between follicles;
- ``erythema_pustules`` (모낭홍반농포): red rings around follicles, with cream pustule dots at grade 3;
- ``dandruff`` (비듬): count of large white-yellow flakes;
- ``hair_loss`` (탈모): hair density (strands drawn from the follicles) falls with the grade.

Nuisance factors vary at random: skin tone, hair colour, lighting, a slight blur. The writer lays the
set out as the AI-Hub "유형별 두피 이미지" release (one JSON per image with ``image_file_name`` and
``value_1`` .. ``value_6``, file names ``<subject>_<device>_<time>_<n>_<region>.jpg``), so
``medlens train --task scalp --dataset aihub-scalp --data-root <dir>`` trains on it exactly as it
would on the real download. The images are synthetic: figures on them say nothing about real scalps.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

HEADS = (
    "fine_dandruff",
    "excess_sebum",
    "erythema_interfollicular",
    "erythema_pustules",
    "dandruff",
    "hair_loss",
)


def _follicles(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    return rng.uniform(4, size - 4, (n, 2))


def scalp_image(grades: Sequence[int], rng: np.random.Generator, size: int = 128) -> np.ndarray:
    """An RGB uint8 ``size`` x ``size`` scalp texture showing ``grades`` (one 0-3 value per head)."""
    if len(grades) != len(HEADS) or not all(0 <= int(g) <= 3 for g in grades):
        raise ValueError(f"need {len(HEADS)} grades in 0..3, got {list(grades)}")
    fine, sebum, ery_inter, ery_pust, flakes, loss = (int(g) for g in grades)
    tone = rng.uniform(-15, 15)
    skin = np.array([205.0, 170.0, 150.0]) + tone
    img = np.empty((size, size, 3), np.float32)
    img[:] = skin
    img += rng.normal(0, 6, (size, size, 1))  # skin texture
    # redness between follicles: a smooth red field, strength by grade
    field = cv2.GaussianBlur(rng.uniform(0.4, 1.0, (size, size)).astype(np.float32), (0, 0), 6)
    img[..., 0] += 16 * ery_inter * field
    img[..., 1] -= 14 * ery_inter * field
    img[..., 2] -= 10 * ery_inter * field
    follicles = _follicles(rng, size, int(rng.integers(28, 36)))
    # red rings around follicles (+ pustules at grade 3)
    n_inflamed = [0, 5, 11, 18][ery_pust]
    for y, x in follicles[:n_inflamed]:
        cv2.circle(img, (int(x), int(y)), 4, (190.0, 70.0, 70.0), 2, cv2.LINE_AA)
        if ery_pust == 3 or (ery_pust == 2 and rng.random() < 0.3):
            cv2.circle(img, (int(x), int(y)), 2, (245.0, 235.0, 190.0), -1, cv2.LINE_AA)
    # sebum: glossy highlights + yellow sheen
    if sebum:
        gloss = np.zeros((size, size), np.float32)
        for _ in range(3 * sebum):
            y, x = rng.uniform(0, size, 2)
            cv2.ellipse(
                gloss,
                (int(x), int(y)),
                (int(rng.integers(6, 14)), int(rng.integers(3, 7))),
                float(rng.uniform(0, 180)),
                0,
                360,
                1.0,
                -1,
            )
        gloss = np.asarray(cv2.GaussianBlur(gloss, (0, 0), 4.0), dtype=np.float32)
        img += (40 + 10 * sebum) * gloss[..., None]
        img[..., 2] -= 8 * sebum
    # hair: strands from the follicles that still have hair (density falls with hair_loss)
    keep = [1.0, 0.65, 0.38, 0.15][loss]
    hair = np.array([40.0, 30.0, 25.0]) + rng.uniform(-15, 25)
    for y, x in follicles:
        if rng.random() > keep:
            continue
        for _ in range(int(rng.integers(1, 3))):
            angle = rng.uniform(0, 2 * np.pi)
            length = rng.uniform(18, 40)
            x2, y2 = x + length * np.cos(angle), y + length * np.sin(angle)
            cv2.line(img, (int(x), int(y)), (int(x2), int(y2)), tuple(hair.tolist()), 1, cv2.LINE_AA)
    for y, x in follicles:  # follicle openings
        cv2.circle(img, (int(x), int(y)), 1, tuple((skin * 0.55).tolist()), -1)
    # fine scale: tiny pale specks
    for _ in range([0, 25, 60, 110][fine]):
        y, x = rng.integers(1, size - 2, 2)
        img[y : y + int(rng.integers(1, 3)), x : x + int(rng.integers(1, 3))] = 238.0
    # dandruff: large flakes
    for _ in range([0, 3, 7, 12][flakes]):
        y, x = rng.uniform(4, size - 4, 2)
        axes = (int(rng.integers(3, 7)), int(rng.integers(2, 4)))
        cv2.ellipse(
            img, (int(x), int(y)), axes, float(rng.uniform(0, 180)), 0, 360, (250.0, 248.0, 225.0), -1
        )
    img *= rng.uniform(0.85, 1.1)  # lighting
    if rng.random() < 0.3:
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), 0.6), dtype=np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_dataset(out: Path, n: int, seed: int = 0, size: int = 128, per_subject: int = 2) -> Path:
    """Write ``n`` images + AI-Hub-style JSON labels under ``out`` (``images/`` and ``labels/``)."""
    rng = np.random.default_rng(seed)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        grades = [int(g) for g in rng.integers(0, 4, len(HEADS))]
        stem = f"{1000 + i // per_subject}_SYN_20261201_{i:05d}_top"
        cv2.imwrite(
            str(out / "images" / f"{stem}.jpg"),
            cv2.cvtColor(scalp_image(grades, rng, size), cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, 92],
        )
        label = {"image_file_name": f"{stem}.jpg", "synthetic": True}
        label.update({f"value_{k + 1}": str(g) for k, g in enumerate(grades)})
        (out / "labels" / f"{stem}.json").write_text(json.dumps(label), encoding="utf-8")
    (out / "README.txt").write_text(
        "SYNTHETIC scalp textures made by medlens.scalp.synthetic (grades known by construction); "
        f"n={n}, seed={seed}, size={size}. Not real scalp photos.\n",
        encoding="utf-8",
    )
    log.info("wrote %d synthetic scalp images to %s", n, out)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic graded scalp set in AI-Hub layout.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    write_dataset(args.out, args.n, args.seed, args.size)


if __name__ == "__main__":
    main()

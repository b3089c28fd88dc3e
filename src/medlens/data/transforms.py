"""Augmentation presets over albumentations, named by what they do (seed 002's names are aliases).

Single ideas:  ``flip`` (horizontal + vertical; seed 002's F1), ``rotate`` (±30°; F2), ``color-jitter``
(F3), ``affine`` (shift ±6 %, scale 0.9–1.1, shear ±5°; F4), ``equalize`` (p=0.2; F5).
Combinations are the parts joined by "-" (seed 002's table): C1 ``flip-rotate``, C2 ``flip-color-jitter``,
C3 ``rotate-color-jitter``, C4 ``flip-rotate-color-jitter``, C5 ``flip-rotate-affine``,
C6 ``flip-affine-equalize``, C7 ``flip-rotate-color-jitter-equalize``, C8 ``all-five``.
``none``: no augmentation. ``xray``: affine + mild brightness/contrast, no flips (chest X-rays have a
left/right).
Against acquisition shortcuts (issue 12): ``zoom`` (scale 0.7–1.4), ``lens-border`` (a random dark
circular lens border, p=0.5, as some dermoscopes leave); C4Z ``flip-rotate-color-jitter-zoom``, C4B
``flip-rotate-color-jitter-lens-border``, C4ZB ``flip-rotate-color-jitter-zoom-lens-border``.
``quarter-turn`` (a random multiple of 90°; with ``flip`` every symmetry of the square, the views a model
served with all eight test-time views meets): C4Q ``flip-rotate-color-jitter-quarter-turn``.

Images arrive already resized to ``input_size`` (see ``medlens.training.data``); a transform
resizes again only when the size differs, then normalises and returns a float32 CHW array.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import albumentations as A
import cv2
import numpy as np

from medlens.data import robust_aug
from medlens.registry import Registry


def _flip() -> list[A.BasicTransform]:
    return [A.HorizontalFlip(p=0.5), A.VerticalFlip(p=0.5)]


def _rotate() -> list[A.BasicTransform]:
    return [A.Rotate(limit=30, border_mode=cv2.BORDER_REFLECT_101, p=0.7)]


def _jitter() -> list[A.BasicTransform]:
    return [A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.03, p=0.8)]


def _affine() -> list[A.BasicTransform]:
    return [
        A.Affine(
            translate_percent=(-0.06, 0.06),
            scale=(0.9, 1.1),
            shear=(-5, 5),
            border_mode=cv2.BORDER_REFLECT_101,
            p=0.7,
        )
    ]


def _equalize() -> list[A.BasicTransform]:
    return [A.Equalize(p=0.2)]


def _zoom() -> list[A.BasicTransform]:
    return [A.Affine(scale=(0.7, 1.4), keep_ratio=True, border_mode=cv2.BORDER_REFLECT_101, p=0.8)]


class DarkBorder(A.ImageOnlyTransform):
    """Black outside a centred circle whose radius is ``radius`` x half the side (dermoscope lens border)."""

    def __init__(self, radius: tuple[float, float] = (0.8, 1.15), p: float = 0.5) -> None:
        super().__init__(p=p)
        self.radius = radius

    def get_params(self) -> dict[str, float]:
        return {"r": self.py_random.uniform(*self.radius)}

    def apply(self, img: np.ndarray, r: float = 1.0, **params: object) -> np.ndarray:
        h, w = img.shape[:2]
        yy, xx = np.ogrid[:h, :w]
        inside = ((yy - (h - 1) / 2) / (r * h / 2)) ** 2 + ((xx - (w - 1) / 2) / (r * w / 2)) ** 2 <= 1.0
        out = img.copy()
        out[~inside] = 0
        return out

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("radius",)


def _border() -> list[A.BasicTransform]:
    return [DarkBorder(p=0.5)]


SINGLE: dict[str, Callable[[], list[A.BasicTransform]]] = {
    "flip": _flip,
    "rotate": _rotate,
    "color-jitter": _jitter,
    "affine": _affine,
    "equalize": _equalize,
    "zoom": _zoom,
    "lens-border": _border,
    "xray-light": lambda: [A.RandomBrightnessContrast(brightness_limit=0.1, contrast_limit=0.1, p=0.5)],
    "gaussian-noise": robust_aug.gaussian_noise,  # seed 004's augmentations (robust_aug.py)
    "cutout": robust_aug.cutout,
    "gridmask": robust_aug.gridmask,
    "corruption": robust_aug.corruption,
    "quarter-turn": lambda: [A.RandomRotate90(p=1.0)],  # with flip: all eight symmetries of the square
}

PRESETS: Registry[tuple[str, ...]] = Registry("augmentation preset")
#: seed 002's names (its Tables 5-7) -> ours; both are accepted everywhere a preset is named.
SEED002_ALIASES: dict[str, str] = {}
PRESETS.register("none", ())
for _alias, _name in zip(("F1", "F2", "F3", "F4", "F5", "F6", "F7"), list(SINGLE)[:7], strict=True):
    PRESETS.register(_name, (_name,))
    SEED002_ALIASES[_alias] = _name
for _alias, _combo in {
    "C1": ("flip", "rotate"),
    "C2": ("flip", "color-jitter"),
    "C3": ("rotate", "color-jitter"),
    "C4": ("flip", "rotate", "color-jitter"),
    "C5": ("flip", "rotate", "affine"),
    "C6": ("flip", "affine", "equalize"),
    "C7": ("flip", "rotate", "color-jitter", "equalize"),
    "C8": ("flip", "rotate", "color-jitter", "affine", "equalize"),
    "C4Z": ("flip", "rotate", "color-jitter", "zoom"),
    "C4B": ("flip", "rotate", "color-jitter", "lens-border"),
    "C4ZB": ("flip", "rotate", "color-jitter", "zoom", "lens-border"),
    "C4Q": ("flip", "rotate", "color-jitter", "quarter-turn"),
}.items():
    _name = "all-five" if _alias == "C8" else "-".join(_combo)
    PRESETS.register(_name, _combo)
    SEED002_ALIASES[_alias] = _name
PRESETS.register("xray", ("affine", "xray-light"))
for _name in ("gaussian-noise", "cutout", "gridmask", "corruption"):
    PRESETS.register(_name, (_name,))
PRESETS.register("flip-rotate-gridmask", ("flip", "rotate", "gridmask"))
#: seed 004's heavy augmentation for the herpes-zoster photos (39 positives)
PRESETS.register(
    "zoster-heavy", ("flip", "rotate", "color-jitter", "affine", "gaussian-noise", "cutout", "corruption")
)


def canonical_preset(name: str) -> str:
    """Our name for ``name`` (a seed 002 alias such as ``C4`` -> ``flip-rotate-color-jitter``)."""
    name = SEED002_ALIASES.get(name, name)
    if name not in PRESETS:
        valid = ", ".join(list_presets(aliases=True))
        raise ValueError(f"unknown augmentation preset {name!r}; valid names: {valid}")
    return name


def list_presets(aliases: bool = False) -> list[str]:
    """Preset names (with ``aliases`` also seed 002's F1..C8)."""
    return PRESETS.names() + (sorted(SEED002_ALIASES) if aliases else [])


def _parts(preset: str) -> list[A.BasicTransform]:
    out: list[A.BasicTransform] = []
    for part in PRESETS.get(canonical_preset(preset)):
        out.extend(SINGLE[part]())
    return out


class Transform:
    """Callable: RGB uint8 (H, W, 3) -> normalised float32 (3, S, S)."""

    def __init__(
        self, aug: A.Compose | None, input_size: int, mean: Sequence[float], std: Sequence[float]
    ) -> None:
        self.aug = aug
        self.input_size = input_size
        self.mean = np.asarray(mean, dtype=np.float32) * 255.0
        self.std = np.asarray(std, dtype=np.float32) * 255.0

    def __call__(self, image: np.ndarray) -> np.ndarray:
        if image.shape[0] != self.input_size or image.shape[1] != self.input_size:
            image = resize_square(image, self.input_size)
        if self.aug is not None:
            image = self.aug(image=image)["image"]
        x = (image.astype(np.float32) - self.mean) / self.std
        return np.ascontiguousarray(x.transpose(2, 0, 1))


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """Squash-resize to size x size (area when shrinking, bilinear when enlarging)."""
    h, w = image.shape[:2]
    interp = cv2.INTER_AREA if size < min(h, w) else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interp)


def create_transform(
    preset: str,
    input_size: int,
    mean: Sequence[float],
    std: Sequence[float],
    train: bool,
    seed: int | None = None,
) -> Transform:
    """Train transform for ``preset`` (eval: resize + normalise only). ``seed`` fixes the augmentation RNG."""
    parts = _parts(preset) if train else []
    aug = A.Compose(parts) if parts else None
    if aug is not None and seed is not None:
        seed_augmentation(aug, seed)
    return Transform(aug, input_size, mean, std)


def stream_seed(seed: int, stream: int) -> int:
    """The augmentation seed of parallel stream ``stream`` (a DataLoader worker, a Ray Train rank): stream 0 keeps
    ``seed`` (single-process runs reproduce), others get an independent seed derived from (seed, stream)."""
    if not stream:
        return seed
    return int(np.random.SeedSequence((seed, stream)).generate_state(1)[0])


def seed_augmentation(aug: A.Compose, seed: int) -> None:
    """Seed ``aug`` so that its transforms draw from ONE shared stream (independent draws, reproducible).

    Not ``A.Compose(seed=...)`` / ``set_random_seed``: albumentations 2.0 gives every transform its own
    generator seeded with the same number, so all of them draw the same values and their ``p`` gates fire
    together (HorizontalFlip(p=0.5) and VerticalFlip(p=0.5) always both or neither: never one mirror, and
    a rotation or colour jitter only ever on top of them). Models trained before this fix (stop 30) saw
    that reduced set of augmentations.
    """
    aug.set_random_state(np.random.default_rng(seed), random.Random(seed))

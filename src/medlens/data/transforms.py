"""Augmentation presets (named as in seed 002's ablation) over albumentations.

Single ideas:  F1 flip (horizontal + vertical), F2 rotation (±30°), F3 colour jitter,
F4 affine (shift ±6 %, scale 0.9–1.1, shear ±5°), F5 equalize (p=0.2).
Combinations (seed 002's table):  C1 F1+F2, C2 F1+F3, C3 F2+F3, C4 F1+F2+F3, C5 F1+F2+F4,
C6 F1+F4+F5, C7 F1+F2+F3+F5, C8 all five.  "none": no augmentation.
Extra:  "xray": F4 + mild brightness/contrast, no flips (chest X-rays have a left/right).
Against acquisition shortcuts (issue 12): F6 zoom (scale 0.7–1.4), F7 a random dark circular
lens border (p=0.5, as some dermoscopes leave); C4Z = C4 + F6, C4B = C4 + F7, C4ZB = C4 + F6 + F7.

Images arrive already resized to ``input_size`` (see ``medlens.training.data``); a transform
resizes again only when the size differs, then normalises and returns a float32 CHW array.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import albumentations as A
import cv2
import numpy as np

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
    "F1": _flip,
    "F2": _rotate,
    "F3": _jitter,
    "F4": _affine,
    "F5": _equalize,
    "F6": _zoom,
    "F7": _border,
}

PRESETS: Registry[tuple[str, ...]] = Registry("augmentation preset")
PRESETS.register("none", ())
for _name in SINGLE:
    PRESETS.register(_name, (_name,))
for _name, _combo in {
    "C1": ("F1", "F2"),
    "C2": ("F1", "F3"),
    "C3": ("F2", "F3"),
    "C4": ("F1", "F2", "F3"),
    "C5": ("F1", "F2", "F4"),
    "C6": ("F1", "F4", "F5"),
    "C7": ("F1", "F2", "F3", "F5"),
    "C8": ("F1", "F2", "F3", "F4", "F5"),
    "C4Z": ("F1", "F2", "F3", "F6"),
    "C4B": ("F1", "F2", "F3", "F7"),
    "C4ZB": ("F1", "F2", "F3", "F6", "F7"),
}.items():
    PRESETS.register(_name, _combo)
PRESETS.register("xray", ("F4", "xray-light"))


def list_presets() -> list[str]:
    return PRESETS.names()


def _parts(preset: str) -> list[A.BasicTransform]:
    out: list[A.BasicTransform] = []
    for part in PRESETS.get(preset):
        if part == "xray-light":
            out.append(A.RandomBrightnessContrast(brightness_limit=0.1, contrast_limit=0.1, p=0.5))
        else:
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
    aug = A.Compose(parts, seed=seed) if parts else None
    return Transform(aug, input_size, mean, std)

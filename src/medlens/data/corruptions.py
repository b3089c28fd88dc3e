"""The 15 ImageNet-C corruptions (Hendrycks & Dietterich 2019) at 5 severities, numpy + OpenCV.

``create_corruption(name, severity)`` returns ``f(image_uint8_rgb, rng) -> image_uint8_rgb``. The
severity parameters are those of the ``imagecorruptions`` package (Michaelis et al. 2019, the
reference implementation at 224 px); the computations are vectorised numpy/OpenCV rewrites, with
these documented departures:

* ``frost`` blends a **procedural** frost texture (multi-scale plasma fractal + thin bright ice
  streaks, bluish) with the imagecorruptions blend weights, because the six frost photographs that
  package ships are not available here;
* ``glass_blur`` displaces every pixel by a random offset in ``[-delta, delta]`` per iteration (one
  vectorised remap) instead of the sequential pixel swaps of the reference loop;
* ``elastic_transform`` uses the reference's three parameters (scale of the affine jitter, alpha and
  sigma of the smoothed displacement field) relative to the image side, as imagecorruptions does.

Randomness is passed in (``rng``); nothing here seeds a global generator.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from medlens.registry import Registry

Corruption = Callable[[np.ndarray, np.random.Generator], np.ndarray]
CORRUPTIONS: Registry[Callable[[int], Corruption]] = Registry("corruption")
#: ImageNet-C's four families, in its order.
FAMILIES: dict[str, tuple[str, ...]] = {
    "noise": ("gaussian_noise", "shot_noise", "impulse_noise"),
    "blur": ("defocus_blur", "glass_blur", "motion_blur", "zoom_blur"),
    "weather": ("snow", "frost", "fog", "brightness"),
    "digital": ("contrast", "elastic_transform", "pixelate", "jpeg_compression"),
}
SEVERITIES = (1, 2, 3, 4, 5)


def _f(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32) / 255.0


def _u8(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _param(name: str, values: tuple, severity: int):  # type: ignore[no-untyped-def]
    if severity not in SEVERITIES:
        raise ValueError(f"{name}: severity must be 1..5, got {severity}")
    return values[severity - 1]


def _register(name: str, values: tuple) -> Callable[[Callable], Callable]:
    """Register ``fn(image_float01, param, rng) -> float01`` as corruption ``name`` with its 5 params."""

    def wrap(fn: Callable) -> Callable:
        def factory(severity: int) -> Corruption:
            p = _param(name, values, severity)

            def apply(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
                if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                    raise ValueError(f"{name}: expects an RGB uint8 (H, W, 3) image, got {image.shape}")
                return _u8(fn(_f(image), p, rng))

            apply.__name__ = f"{name}_{severity}"
            return apply

        CORRUPTIONS.register(name, factory)
        return fn

    return wrap


def create_corruption(name: str, severity: int) -> Corruption:
    """Corruption ``name`` (one of :data:`FAMILIES`) at ``severity`` 1..5."""
    return CORRUPTIONS.get(name)(severity)


def list_corruptions() -> list[str]:
    """The 15 names in ImageNet-C order (noise, blur, weather, digital)."""
    return [n for fam in FAMILIES.values() for n in fam]


def corrupt(image: np.ndarray, name: str, severity: int, seed: int = 0) -> np.ndarray:
    """Convenience: one corrupted copy of ``image`` with its own seeded generator."""
    return create_corruption(name, severity)(image, np.random.default_rng(seed))


# --- noise ------------------------------------------------------------------------------------------
@_register("gaussian_noise", (0.08, 0.12, 0.18, 0.26, 0.38))
def _gaussian_noise(x: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    return x + rng.normal(0.0, c, x.shape).astype(np.float32)


@_register("shot_noise", (60, 25, 12, 5, 3))
def _shot_noise(x: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(x * c).astype(np.float32) / c


@_register("impulse_noise", (0.03, 0.06, 0.09, 0.17, 0.27))
def _impulse_noise(x: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(x.shape, dtype=np.float32)  # salt & pepper per value, amount c, half each
    out = x.copy()
    out[u < c / 2] = 0.0
    out[(u >= c / 2) & (u < c)] = 1.0
    return out


# --- blur -------------------------------------------------------------------------------------------
def _disk(radius: float, alias_blur: float) -> np.ndarray:
    r = int(np.ceil(radius)) if radius > 8 else 3
    ax = np.arange(-r, r + 1)
    xx, yy = np.meshgrid(ax, ax)
    k = (xx**2 + yy**2 <= radius**2).astype(np.float32)
    k /= k.sum()
    return cv2.GaussianBlur(k, (3, 3), alias_blur)


@_register("defocus_blur", ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)))
def _defocus(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    return cv2.filter2D(x, -1, _disk(*c), borderType=cv2.BORDER_REFLECT)


@_register("glass_blur", ((0.7, 1, 2), (0.9, 2, 1), (1.0, 2, 3), (1.1, 3, 2), (1.5, 4, 2)))
def _glass(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    sigma, delta, iterations = c
    x = cv2.GaussianBlur(x, (0, 0), sigma)
    h, w = x.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(iterations):
        dx = rng.integers(-delta, delta + 1, (h, w)).astype(np.float32)
        dy = rng.integers(-delta, delta + 1, (h, w)).astype(np.float32)
        x = cv2.remap(x, xx + dx, yy + dy, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REFLECT)
    return cv2.GaussianBlur(x, (0, 0), sigma)


def _motion_kernel(radius: int, sigma: float, angle: float) -> np.ndarray:
    size = 2 * radius + 1
    k = np.zeros((size, size), np.float32)
    t = np.arange(0, radius + 1, dtype=np.float32)  # one-sided streak, Gaussian weights (as Wand's)
    wts = np.exp(-(t**2) / (2 * sigma**2))
    a = np.deg2rad(angle)
    xs = np.round(radius + t * np.cos(a)).astype(int)
    ys = np.round(radius - t * np.sin(a)).astype(int)
    np.add.at(k, (ys, xs), wts)
    return k / k.sum()


@_register("motion_blur", ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15)))
def _motion(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    kernel = _motion_kernel(c[0], c[1], float(rng.uniform(-45, 45)))
    return cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REPLICATE)


@_register(
    "zoom_blur",
    tuple(
        np.arange(1, hi, step)
        for hi, step in ((1.11, 0.01), (1.16, 0.01), (1.21, 0.02), (1.26, 0.02), (1.31, 0.03))
    ),
)
def _zoom(x: np.ndarray, zooms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[:2]
    out = x.copy()
    for z in zooms:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.0, float(z))  # zoom about the centre
        out += cv2.warpAffine(x, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return out / (len(zooms) + 1)


# --- weather ----------------------------------------------------------------------------------------
def plasma_fractal(rng: np.random.Generator, mapsize: int = 256, wibbledecay: float = 3.0) -> np.ndarray:
    """Diamond-square height map in [0, 1], ``mapsize`` a power of two (imagecorruptions' fog)."""
    m = np.zeros((mapsize, mapsize), np.float64)
    step, wibble = mapsize, 100.0

    def wibbled_mean(a: np.ndarray) -> np.ndarray:  # the reference's a / 4 + wibble * U(-wibble, wibble)
        return a / 4 + wibble * rng.uniform(-wibble, wibble, a.shape)

    while step >= 2:
        half = step // 2
        corners = m[0:mapsize:step, 0:mapsize:step]
        sq = corners + np.roll(corners, -1, axis=0)
        sq += np.roll(sq, -1, axis=1)
        m[half:mapsize:step, half:mapsize:step] = wibbled_mean(sq)
        dr, ul = m[half:mapsize:step, half:mapsize:step], m[0:mapsize:step, 0:mapsize:step]
        m[0:mapsize:step, half:mapsize:step] = wibbled_mean(
            dr + np.roll(dr, 1, axis=0) + ul + np.roll(ul, -1, axis=1)
        )
        m[half:mapsize:step, 0:mapsize:step] = wibbled_mean(
            dr + np.roll(dr, 1, axis=1) + ul + np.roll(ul, -1, axis=0)
        )
        step, wibble = half, wibble / wibbledecay
    m -= m.min()
    return (m / max(m.max(), 1e-12)).astype(np.float32)


def _fit_map(m: np.ndarray, h: int, w: int) -> np.ndarray:
    return cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)


@_register(
    "snow",
    (
        (0.1, 0.3, 3, 0.5, 10, 4, 0.8),
        (0.2, 0.3, 2, 0.5, 12, 4, 0.7),
        (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
        (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65),
        (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55),
    ),
)
def _snow(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    loc, scale, zoom, thr, radius, sigma, keep = c
    h, w = x.shape[:2]
    small = rng.normal(loc, scale, (int(np.ceil(h / zoom)), int(np.ceil(w / zoom)))).astype(np.float32)
    layer = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)
    layer[layer < thr] = 0.0
    kernel = _motion_kernel(int(radius), float(sigma), float(rng.uniform(-135, -45)))
    flakes = np.clip(cv2.filter2D(np.clip(layer, 0, 1), -1, kernel), 0, 1)[..., None]
    gray = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[..., None] * 1.5 + 0.5
    x = keep * x + (1 - keep) * np.maximum(x, gray)
    return x + flakes + np.rot90(flakes, 2)


def frost_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Procedural frost (RGB float 0..1): fine plasma fractal + thin bright streaks, bluish white."""
    base = 0.55 * _fit_map(plasma_fractal(rng, 256, 1.6), h, w) + 0.45 * _fit_map(
        plasma_fractal(rng, 64, 2.2), h, w
    )
    streaks = np.zeros((h, w), np.float32)
    n = max(8, (h * w) // 900)
    x0, y0 = rng.integers(0, w, n), rng.integers(0, h, n)
    angles, lengths = rng.uniform(0, np.pi, n), rng.uniform(0.05, 0.25, n) * max(h, w)
    for i in range(n):  # few dozen line segments; cheap
        x1 = int(x0[i] + lengths[i] * np.cos(angles[i]))
        y1 = int(y0[i] + lengths[i] * np.sin(angles[i]))
        cv2.line(streaks, (int(x0[i]), int(y0[i])), (x1, y1), 1.0, 1, cv2.LINE_AA)
    ice = np.clip(0.75 * base**1.5 + 0.6 * cv2.GaussianBlur(streaks, (0, 0), 0.8), 0, 1)
    return np.stack([ice * 0.85, ice * 0.92, ice], axis=-1)


@_register("frost", ((1.0, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)))
def _frost(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[:2]
    return c[0] * x + c[1] * frost_texture(rng, h, w)


@_register("fog", ((1.5, 2.0), (2.0, 2.0), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4)))
def _fog(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[:2]
    mx = float(x.max())
    fog = _fit_map(plasma_fractal(rng, 256, c[1]), h, w)[..., None]
    return (x + c[0] * fog) * mx / (mx + c[0])


@_register("brightness", (0.1, 0.2, 0.3, 0.4, 0.5))
def _brightness(x: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV)  # float input: V in 0..1
    hsv[..., 2] = np.clip(hsv[..., 2] + c, 0, 1)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


# --- digital ----------------------------------------------------------------------------------------
@_register("contrast", (0.4, 0.3, 0.2, 0.1, 0.05))
def _contrast(x: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    means = x.mean(axis=(0, 1), keepdims=True)
    return (x - means) * c + means


@_register(
    "elastic_transform",
    (
        (2.0, 0.7, 0.1),
        (2.0, 0.08, 0.2),
        (0.05, 0.01, 0.02),
        (0.07, 0.01, 0.02),
        (0.12, 0.01, 0.02),
    ),
)
def _elastic(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[:2]
    side = float(min(h, w))
    alpha, sigma, affine = c[0] * side, c[1] * side, c[2] * side
    cx, cy, sq = w / 2, h / 2, min(h, w) // 3
    src = np.array([[cx + sq, cy + sq], [cx + sq, cy - sq], [cx - sq, cy - sq]], np.float32)
    dst = src + rng.uniform(-affine, affine, src.shape).astype(np.float32)
    x = cv2.warpAffine(x, cv2.getAffineTransform(src, dst), (w, h), borderMode=cv2.BORDER_REFLECT_101)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma) * alpha
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(x, xx + dx, yy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


@_register("pixelate", (0.6, 0.5, 0.4, 0.3, 0.25))
def _pixelate(x: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    h, w = x.shape[:2]
    small = cv2.resize(x, (max(1, int(w * c)), max(1, int(h * c))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


@_register("jpeg_compression", (25, 18, 15, 10, 7))
def _jpeg(x: np.ndarray, c: int, rng: np.random.Generator) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(_u8(x), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, c])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("JPEG decoding failed")
    return _f(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB))

"""Class activation maps computed in numpy from the ONNX feature map and the classifier head.

The exported model returns the last feature map ``A`` (C x h x w). Every supported head starts with
global average pooling, so Grad-CAM's channel weights are the gradient of the class logit with respect
to the pooled vector: for a plain linear head that is the class weight row (CAM == Grad-CAM); for a
LayerNorm + linear head (ConvNeXt) or a 1x1 conv + Hardswish + linear head (MobileNetV3) the gradient
is computed analytically here. The head parameters travel in ``cam_head.npz`` beside the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

HEAD_KINDS = ("linear", "norm_linear", "mlp_linear")


class CamError(ValueError):
    """The CAM head file is missing or malformed."""


@dataclass(frozen=True)
class CamHead:
    """Parameters of the layers between global average pooling and the logits."""

    kind: str
    fc_w: np.ndarray  # (n_logits, K)
    fc_b: np.ndarray  # (n_logits,)
    ln_w: np.ndarray | None = None  # LayerNorm weight (norm_linear)
    ln_b: np.ndarray | None = None
    ln_eps: float = 1e-6
    pre_w: np.ndarray | None = None  # 1x1 conv as matrix (mlp_linear): (K, C)
    pre_b: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name, value in list(self.__dict__.items()):  # float64 once: mixed-dtype matmuls are slow
            if isinstance(value, np.ndarray):
                object.__setattr__(self, name, np.ascontiguousarray(value, dtype=np.float64))
        need = {"linear": (), "norm_linear": ("ln_w", "ln_b"), "mlp_linear": ("pre_w", "pre_b")}.get(
            self.kind
        )
        if need is None:
            raise CamError(f"unknown CAM head kind {self.kind!r} (valid: {', '.join(HEAD_KINDS)})")
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise CamError(f"CAM head {self.kind!r} needs {', '.join(missing)}")

    def _arr(self, name: str) -> np.ndarray:
        value = getattr(self, name)
        assert value is not None  # guaranteed by __post_init__ for this kind
        return value

    def save(self, path: Path) -> Path:
        arrays = {k: v for k, v in self.__dict__.items() if isinstance(v, np.ndarray)}
        arrays["kind"] = np.array(self.kind)
        arrays["ln_eps"] = np.array(self.ln_eps)
        np.savez(path, **arrays)  # type: ignore[arg-type]
        return Path(path)

    @classmethod
    def load(cls, path: Path) -> CamHead:
        try:
            with np.load(path, allow_pickle=False) as z:
                kw = {k: z[k].astype(np.float32) for k in z.files if k not in ("kind", "ln_eps")}
                kind = str(z["kind"])
                eps = float(z["ln_eps"])
        except FileNotFoundError:
            raise CamError(f"{path}: CAM head file is missing") from None
        except Exception as exc:
            raise CamError(f"{path}: cannot read CAM head ({exc})") from exc
        try:
            return cls(kind=kind, ln_eps=eps, **kw)
        except (CamError, TypeError) as exc:
            raise CamError(f"{path}: {exc}") from exc

    # --- head forward and gradient ----------------------------------------------------------
    def logits(self, pooled: np.ndarray) -> np.ndarray:
        """Head forward on pooled features (N, C) -> logits (N, n_logits); used to verify the export."""
        x = pooled.astype(np.float64)
        if self.kind == "norm_linear":
            mu = x.mean(1, keepdims=True)
            var = x.var(1, keepdims=True)
            x = (x - mu) / np.sqrt(var + self.ln_eps) * self._arr("ln_w") + self._arr("ln_b")
        elif self.kind == "mlp_linear":
            x = _hardswish(x @ self._arr("pre_w").T + self._arr("pre_b"))
        return x @ self.fc_w.T + self.fc_b

    def grad_pooled(self, pooled: np.ndarray, index: int) -> np.ndarray:
        """d logit[index] / d pooled, for one pooled vector (C,)."""
        g = self.fc_w[index]
        x = pooled.astype(np.float64)
        if self.kind == "linear":
            return g
        if self.kind == "norm_linear":
            mu, var = x.mean(), x.var()
            sigma = np.sqrt(var + self.ln_eps)
            xhat = (x - mu) / sigma
            gy = g * self._arr("ln_w")
            return (gy - gy.mean() - xhat * (gy * xhat).mean()) / sigma
        pre_w = self._arr("pre_w")
        # einsum, not BLAS: OpenBLAS threads spin against ONNX Runtime's on a busy CPU (20 ms vs 0.3 ms)
        z = np.einsum("kc,c->k", pre_w, x) + self._arr("pre_b")
        return np.einsum("k,kc->c", g * _hardswish_grad(z), pre_w)


def _hardswish(z: np.ndarray) -> np.ndarray:
    return z * np.clip(z + 3.0, 0.0, 6.0) / 6.0


def _hardswish_grad(z: np.ndarray) -> np.ndarray:
    return np.where(z < -3.0, 0.0, np.where(z > 3.0, 1.0, (2.0 * z + 3.0) / 6.0))


def grad_cam(head: CamHead, features: np.ndarray, index: int) -> np.ndarray:
    """Grad-CAM map (h x w, 0..1) for one image's feature map (C x h x w) and logit ``index``."""
    feats = features.astype(np.float64)
    weights = head.grad_pooled(feats.mean(axis=(1, 2)), index)
    cam = np.maximum(np.einsum("c,chw->hw", weights, feats), 0.0)
    peak = cam.max()
    return (cam / peak if peak > 0 else cam).astype(np.float32)


def heatmap_to_image(
    cam: np.ndarray, height: int, width: int, crop_box: tuple[int, int, int, int] | None
) -> np.ndarray:
    """Resize a CAM to the original image (bilinear); ``crop_box`` (x0, y0, x1, y1) places it in the crop."""
    if crop_box is None:
        return np.clip(cv2.resize(cam, (width, height), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)
    x0, y0, x1, y1 = crop_box
    out = np.zeros((height, width), np.float32)
    out[y0:y1, x0:x1] = np.clip(cv2.resize(cam, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)
    return out


def overlay_heatmap(image_rgb: np.ndarray, heat: np.ndarray, alpha: float = 0.4) -> np.ndarray:
    """Blend a JET-coloured heatmap (0..1, image size) onto an RGB uint8 image -> RGB uint8."""
    gray = np.round(255 * np.clip(heat, 0, 1)).astype(np.uint8)
    colored = cv2.cvtColor(cv2.applyColorMap(gray, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(np.ascontiguousarray(image_rgb), 1.0 - alpha, colored, alpha, 0.0)

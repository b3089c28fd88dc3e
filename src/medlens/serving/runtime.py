"""Process-wide CPU settings of the web service (`medlens serve`; the load benchmark applies them to its
in-process Predictor baseline too, so both run under the same settings)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def configure_serving_threads(opencv_threads: int = 0) -> None:
    """Run OpenCV sequentially in the calling thread (``cv2.setNumThreads(0)``; ``opencv_threads=-1``
    keeps OpenCV's own default, N > 0 sets N threads).

    OpenCV's pool threads keep spinning for a while after each parallel call; on a small CPU they then
    compete with ONNX Runtime's intra-op threads in the network call that follows. The images here are
    small (a resize to 256 px is a fraction of a millisecond), so OpenCV gains nothing from threads, and a
    server's parallelism comes from concurrent requests. Measured on the 2-core machine, in-process: the
    Predictor right after the quality gate took 8.47 ms instead of 8.76 ms; the Predictor alone was
    unchanged (8.90 vs 8.91 ms).
    """
    try:
        import cv2
    except ImportError:  # pragma: no cover - opencv is a core dependency
        return
    cv2.setNumThreads(opencv_threads)
    log.debug("OpenCV threads: %d", cv2.getNumThreads())

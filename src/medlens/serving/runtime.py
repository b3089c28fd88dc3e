"""Process-wide CPU settings of the web service (``medlens serve``)."""

from __future__ import annotations

import logging

import cv2

log = logging.getLogger(__name__)


def configure_serving_threads(opencv_threads: int = 0) -> None:
    """Run OpenCV sequentially in the calling thread (``cv2.setNumThreads(0)``; ``opencv_threads=-1``
    keeps OpenCV's own default, N > 0 sets N threads).

    OpenCV's pool threads keep spinning for a while after each parallel call, beside ONNX Runtime's
    intra-op threads on a small CPU; the images here are small and a server's parallelism comes from
    concurrent requests. The gain is small: in an A/B with ``benchmarks/load.py --opencv-threads -1 / 0``
    (2 runs each, 200 uploads, 2-core machine) the server's model stage was 10.8 ms vs 11.3-11.5 ms, the
    p50 ratio to the Predictor 1.81-1.90x vs 1.81-1.85x; in-process (``benchmarks/upload_path.py``) the
    Predictor after the quality gate showed no difference (default vs sequential: 8.05 vs 8.20 and
    8.56 vs 8.48 ms).
    """
    cv2.setNumThreads(opencv_threads)
    log.debug("OpenCV threads: %d", cv2.getNumThreads())

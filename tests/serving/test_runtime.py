"""Process settings of the web service."""

from __future__ import annotations

import cv2

from medlens.serving.runtime import configure_serving_threads


def test_configure_serving_threads_runs_opencv_in_the_calling_thread():
    before = cv2.getNumThreads()
    try:
        configure_serving_threads()
        assert cv2.getNumThreads() == 1  # sequential: no pool threads left to spin beside ONNX Runtime
    finally:
        cv2.setNumThreads(before)
    assert cv2.getNumThreads() == before

"""Batch screening of large folders: one process, or Ray Data with batched ONNX Runtime actors."""

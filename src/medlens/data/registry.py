"""Dataset adapter registry: ``create_dataset(name, root, **kw) -> SampleSet``.

Each adapter is a function ``(root: Path, **kw) -> SampleSet`` in its own module under
``medlens.data.adapters``; importing that package registers all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from medlens.data.sample import SampleSet
from medlens.registry import Registry

Adapter = Callable[..., SampleSet]

DATASETS: Registry[Adapter] = Registry("dataset adapter")


def _load_builtin() -> None:
    import medlens.data.adapters  # noqa: F401  (registers the built-in adapters)


def create_dataset(name: str, root: str | Path, **kwargs: Any) -> SampleSet:
    """Index the dataset at ``root`` with the adapter ``name`` (unknown name -> ValueError)."""
    _load_builtin()
    adapter = DATASETS.get(name)
    return adapter(Path(root), **kwargs)


def list_datasets() -> list[str]:
    """Names of the registered dataset adapters."""
    _load_builtin()
    return DATASETS.names()

"""Shared test fixtures."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def _data_root() -> Path:
    env = os.environ.get("MEDLENS_DATA_ROOT")
    if env:
        return Path(env)
    from medlens.config import default_data_root

    return default_data_root()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data folder (../shared/data). Skips when absent; CI sets MEDLENS_REQUIRE_DATA=1 to fail instead."""
    root = _data_root()
    if not (root / "README.md").exists():
        if os.environ.get("MEDLENS_REQUIRE_DATA") == "1":
            pytest.fail(f"real data required (MEDLENS_REQUIRE_DATA=1) but {root} is missing")
        pytest.skip(f"real data folder {root} not found (expected ../shared/data beside the checkout)")
    return root


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def load_benchmark() -> Callable[[str], ModuleType]:
    """``load_benchmark("name")``: the module ``benchmarks/name.py`` (benchmarks are scripts, not a package)."""

    def load(name: str) -> ModuleType:
        path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"benchmark_{name}", path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
        spec.loader.exec_module(module)
        return module

    return load

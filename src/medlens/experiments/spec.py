"""An experiment: a declared grid or list of training runs over :class:`TrainConfig` fields (YAML).

```yaml
name: seed002-augmentation
task: melanoma
reference: flip-rotate-color-jitter+weighted     # trial the others are compared with (paired)
protocol: {name: subset, counts: {benign: 4500, malignant: 1500}}   # optional data protocol
base: {dataset: imagefolder, data_root: ../shared/data/melanoma_10000/train, epochs: 4}
grid: {preset: [none, flip, ...], sampler: [none, weighted]}        # cartesian product, and/or
trials: [{name: lite0, backbone: tf_efficientnet_lite0}, ...]       # an explicit list
cross_source: {dataset: melanoma-ham10000, data_root: ../shared/data}  # optional held-out source
published:                                                          # the seed's own figures
  label: "Seed 002 (EfficientNet, own 70/15/15 split of the 6,000-image subset)"
  figures: {flip+none: {accuracy: 0.9556, recall: 0.84}}
```

A trial's name is its explicit ``name`` or its grid values joined by ``+``. Every key of ``base``,
``grid`` and ``trials`` must be a :class:`TrainConfig` option; unknown keys are errors that name them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medlens.experiments.cross import CrossSourceSpec, parse_cross_source
from medlens.training.config import TrainConfig

__all__ = ["ExperimentError", "ExperimentSpec", "Trial", "load_experiment"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+=-]*$")
# decided by the experiment, not by the config file (a trial is one Ray Tune worker: no nested Ray Train)
_RESERVED = {"out", "command", "progress", "workers", "ray_address"}


class ExperimentError(ValueError):
    """An experiment file that cannot be run (the message names the file and the problem)."""


@dataclass(frozen=True)
class Trial:
    """One training run of the experiment: its name and the TrainConfig fields it sets."""

    name: str
    overrides: dict[str, Any]


@dataclass
class ExperimentSpec:
    name: str
    task: str
    trials: list[Trial]
    base: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None
    protocol: dict[str, Any] | None = None
    published_label: str = ""
    published: dict[str, dict[str, float]] = field(default_factory=dict)
    source: str = ""  # the file it was read from
    cross_source: CrossSourceSpec | None = None  # a held-out source every trial is also measured on

    def trial(self, name: str) -> Trial:
        for t in self.trials:
            if t.name == name:
                return t
        raise KeyError(name)

    def config_dict(self, trial: Trial) -> dict[str, Any]:
        """The TrainConfig fields of ``trial``: task, base, then the trial's own values."""
        return {"task": self.task, **self.base, **trial.overrides}


def _option_names() -> set[str]:
    return {f.name for f in TrainConfig.options()}


def _check_keys(keys: Any, where: str, source: str) -> None:
    valid = _option_names() - _RESERVED
    bad = sorted(set(keys) - valid)
    if bad:
        raise ExperimentError(
            f"{source}: {where} sets unknown TrainConfig option(s) {', '.join(bad)}; "
            f"valid: {', '.join(sorted(valid))}"
        )


def _grid_trials(grid: dict[str, list[Any]], source: str) -> list[Trial]:
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ExperimentError(f"{source}: grid.{key} must be a non-empty list")
    keys = list(grid)
    return [
        Trial("+".join(str(v) for v in combo), dict(zip(keys, combo, strict=True)))
        for combo in itertools.product(*(grid[k] for k in keys))
    ]


def _list_trials(items: list[Any], source: str) -> list[Trial]:
    trials = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "name" not in item:
            raise ExperimentError(f"{source}: trials[{i}] must be a mapping with a name")
        item = dict(item)
        name = str(item.pop("name"))
        _check_keys(item, f"trials[{i}] ({name})", source)
        trials.append(Trial(name, item))
    return trials


def parse_experiment(raw: Any, source: str = "<experiment>") -> ExperimentSpec:
    """Validate a parsed YAML/JSON mapping into an :class:`ExperimentSpec`."""
    if not isinstance(raw, dict):
        raise ExperimentError(f"{source}: expected a mapping at the top level")
    unknown = sorted(
        set(raw)
        - {"name", "task", "base", "grid", "trials", "reference", "protocol", "published", "cross_source"}
    )
    if unknown:
        raise ExperimentError(f"{source}: unknown key(s) {', '.join(unknown)}")
    for key in ("name", "task"):
        if not raw.get(key):
            raise ExperimentError(f"{source}: '{key}' is required")
    base = dict(raw.get("base") or {})
    _check_keys(base, "base", source)
    grid = dict(raw.get("grid") or {})
    _check_keys(grid, "grid", source)
    trials = _grid_trials(grid, source) if grid else []
    trials += _list_trials(list(raw.get("trials") or []), source)
    if not trials:
        raise ExperimentError(f"{source}: no trials (give a grid and/or a trials list)")
    names = [t.name for t in trials]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ExperimentError(f"{source}: duplicate trial name(s) {', '.join(dupes)}")
    for n in names:
        if not _NAME.match(n):
            raise ExperimentError(f"{source}: trial name {n!r} must be letters, digits and _.+=- only")
    reference = raw.get("reference")
    if reference is not None and reference not in names:
        raise ExperimentError(f"{source}: reference {reference!r} is not a trial ({', '.join(names)})")
    protocol = raw.get("protocol")
    if protocol is not None and not (isinstance(protocol, dict) and protocol.get("name")):
        raise ExperimentError(f"{source}: protocol must be a mapping with a name")
    published = dict(raw.get("published") or {})
    figures = {
        str(k): {str(m): float(v) for m, v in d.items()} for k, d in (published.get("figures") or {}).items()
    }
    stray = sorted(set(figures) - set(names))
    if stray:
        raise ExperimentError(f"{source}: published figures for unknown trial(s) {', '.join(stray)}")
    return ExperimentSpec(
        name=str(raw["name"]),
        task=str(raw["task"]),
        trials=trials,
        base=base,
        reference=reference,
        protocol=protocol,
        published_label=str(published.get("label", "")),
        published=figures,
        source=source,
        cross_source=parse_cross_source(raw.get("cross_source"), source),
    )


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Read and validate an experiment YAML file."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ExperimentError(f"{path}: no such experiment file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ExperimentError(f"{path}: not valid YAML ({e})") from e
    return parse_experiment(raw, str(path))

"""Run an experiment's trials as Ray Tune trials: local Ray by default, a cluster with ``address``.

Each trial is an ordinary run folder ``<out>/trials/<name>``. Resume works at the run-folder level:
trials with ``metrics.json`` are not submitted again, a trial killed mid-training continues from its
``last.pt``. The outcome of every trial (done / failed with its error / skipped as already done) is
written to ``<out>/experiment.json`` and returned.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shlex
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medlens.experiments.protocol import apply_protocol
from medlens.experiments.spec import ExperimentSpec, Trial
from medlens.experiments.trial import is_done, run_trial

__all__ = ["ExperimentOutcome", "init_ray", "run_experiment", "trial_configs"]

log = logging.getLogger(__name__)
_PATH_FIELDS = ("data_root", "cache_dir")


@dataclass
class ExperimentOutcome:
    out: Path
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already done before this invocation
    failed: dict[str, str] = field(default_factory=dict)  # name -> error
    wall_s: float = 0.0
    started: str = ""  # UTC, ISO 8601
    max_concurrent: int | None = None
    cpus_per_trial: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "wall_s": self.wall_s,
            "max_concurrent": self.max_concurrent,
            "cpus_per_trial": self.cpus_per_trial,
            "host": platform.node(),
            "cpus": os.cpu_count(),
        }


def init_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to ``address`` or start a local Ray (no dashboard, no usage reporting, no network)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "1")
    import ray

    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=True)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False, log_to_driver=True)


def _absolute(value: Any) -> Any:
    if isinstance(value, str) and value and not os.path.isabs(value):
        return str(Path(value).resolve())
    return value


def trial_configs(spec: ExperimentSpec, out: Path, threads: int) -> dict[str, dict[str, Any]]:
    """name -> TrainConfig fields of every trial (paths absolute: Ray workers may run elsewhere)."""
    replaced = apply_protocol(spec.protocol, spec.base, out)
    configs = {}
    for trial in spec.trials:
        cfg = {**spec.config_dict(trial), **replaced}
        for key in _PATH_FIELDS:
            if key in cfg:
                cfg[key] = _absolute(cfg[key])
        cfg.setdefault("cache_dir", str((out / "cache").resolve()))
        cfg.setdefault("threads", threads)
        cfg["progress"] = False
        cfg["out"] = str((out / "trials" / trial.name).resolve())
        cfg["command"] = _trial_command(spec, trial)
        configs[trial.name] = cfg
    return configs


def _trial_command(spec: ExperimentSpec, trial: Trial) -> str:
    return f"medlens experiment run {shlex.quote(spec.source)}  # trial {trial.name}"


def medlens_trial(params: dict[str, Any]) -> None:
    """The Ray Tune function trainable: run one trial, report its test metrics."""
    from ray import tune

    config = {k: v for k, v in params["config"].items() if k != "_name"}
    tune.report(run_trial(config))


def run_experiment(
    spec: ExperimentSpec,
    out: Path,
    address: str | None = None,
    max_concurrent: int | None = None,
    cpus_per_trial: int = 1,
    num_cpus: int | None = None,
    verbose: int = 1,
) -> ExperimentOutcome:
    """Run the trials that are not done yet; write and return the outcome of every trial."""
    t0 = time.perf_counter()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    configs = trial_configs(spec, out, threads=cpus_per_trial)
    outcome = ExperimentOutcome(
        out,
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        max_concurrent=max_concurrent,
        cpus_per_trial=cpus_per_trial,
    )
    todo = []
    for name, cfg in configs.items():
        if is_done(Path(cfg["out"])):
            outcome.skipped.append(name)
        else:
            todo.append(name)
    log.info(
        "experiment %s: %d trials, %d already done, %d to run",
        spec.name,
        len(configs),
        len(outcome.skipped),
        len(todo),
    )
    if todo:
        _run_tune(
            spec,
            out,
            [configs[n] | {"_name": n} for n in todo],
            address,
            max_concurrent,
            cpus_per_trial,
            num_cpus,
            verbose,
        )
    for name in todo:
        run_dir = Path(configs[name]["out"])
        if is_done(run_dir):
            outcome.done.append(name)
        else:
            err = run_dir / "error.txt"
            outcome.failed[name] = (
                err.read_text().strip().splitlines()[-1] if err.is_file() else "no metrics.json"
            )
    outcome.wall_s = time.perf_counter() - t0
    _write_status(spec, out, configs, outcome)
    return outcome


def _run_tune(
    spec: ExperimentSpec,
    out: Path,
    todo: list[dict[str, Any]],
    address: str | None,
    max_concurrent: int | None,
    cpus_per_trial: int,
    num_cpus: int | None,
    verbose: int,
) -> None:
    init_ray(address, num_cpus)
    from ray import tune

    def _name(trial: Any) -> str:
        return str(trial.config["config"]["_name"])

    params = {"config": tune.grid_search(todo)}
    trainable = tune.with_resources(medlens_trial, {"cpu": cpus_per_trial})
    tuner = tune.Tuner(
        trainable,
        param_space=params,
        tune_config=tune.TuneConfig(
            max_concurrent_trials=max_concurrent, trial_name_creator=_name, trial_dirname_creator=_name
        ),
        run_config=tune.RunConfig(
            name=f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S')}",
            storage_path=str(out / "ray_results"),
            failure_config=tune.FailureConfig(max_failures=0),
            verbose=verbose,
        ),
    )
    tuner.fit()  # failed trials are read back from their run folders (error.txt)


def _write_status(
    spec: ExperimentSpec, out: Path, configs: dict[str, dict[str, Any]], outcome: ExperimentOutcome
) -> None:
    status = {
        "name": spec.name,
        "source": spec.source,
        "trials": {
            name: {
                "state": "failed"
                if name in outcome.failed
                else ("done" if is_done(Path(c["out"])) else "pending"),
                "run_dir": c["out"],
                **({"error": outcome.failed[name]} if name in outcome.failed else {}),
            }
            for name, c in configs.items()
        },
        "last_invocation": outcome.to_dict(),
        # every invocation that trained something (a report-only re-run would hide the compute otherwise)
        "invocations": _earlier_invocations(out)
        + ([outcome.to_dict()] if outcome.done or outcome.failed else []),
    }
    (out / "experiment.json").write_text(json.dumps(status, indent=1))


def _earlier_invocations(out: Path) -> list[dict[str, Any]]:
    path = out / "experiment.json"
    if not path.is_file():
        return []
    try:
        old = json.loads(path.read_text())
    except ValueError:
        return []
    if "invocations" in old:
        return list(old["invocations"])
    last = old.get("last_invocation") or {}  # written before invocations were kept
    return [last] if last.get("done") or last.get("failed") else []

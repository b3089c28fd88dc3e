"""``run_training``: config -> run folder (split, checkpoints, logits, metrics, plots, report)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from medlens.data.transforms import canonical_preset, create_transform
from medlens.models import backbone_norm, create_classifier, load_checkpoint
from medlens.models.pretrained import default_weights
from medlens.tasks import get_task
from medlens.training.config import TrainConfig
from medlens.training.criteria import create_criterion
from medlens.training.data import CachedImageDataset, augmentation_worker_init
from medlens.training.fit import FitOptions, FitParts, fit
from medlens.training.loop import predict
from medlens.training.optim import create_optimizer, create_scheduler
from medlens.training.prepare import prepare_data
from medlens.training.results import write_results
from medlens.training.sampling import balanced_sampler

if TYPE_CHECKING:
    from medlens.training.distributed import DataParallel

log = logging.getLogger(__name__)


def default_threads() -> int:
    """All available cores, but 1 when the machine is already busy (load >= cores).

    Measured on the shared 2-core box under load ~8: Lite0 at 64 px trains at 57 img/s with one
    thread and 5 img/s with two (OpenMP threads wait on each other when the cores are oversubscribed).
    """
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        cores = max(1, os.cpu_count() or 1)
    try:
        busy = os.getloadavg()[0] >= cores
    except OSError:
        busy = False
    return 1 if busy and cores <= 4 else cores


def resolve_config(config: TrainConfig) -> TrainConfig:
    """Fill in what the task decides (classes, heads, backbone, input size, augmentation, recall) and
    the backbone's normalisation; explicit values in ``config`` win."""
    spec = get_task(config.task)
    schema = spec.schema
    config.classes = list(spec.classes)
    config.heads = {} if schema.plain else schema.logit_sizes
    config.num_classes = schema.main.n_logits
    config.backbone = config.backbone or spec.default_backbone
    config.input_size = config.input_size or spec.input_size
    config.preset = canonical_preset(config.preset or spec.default_preset)
    if config.pretrained == "auto":
        config.pretrained = default_weights(config.backbone)
    elif config.pretrained == "none":
        config.pretrained = None
    if not config.mean:
        mean, std = backbone_norm(config.backbone)
        config.mean, config.std = tuple(mean), tuple(std)
    config.grayscale = spec.modality_info.grayscale
    if config.target_recall is None:
        config.target_recall = spec.target_recall
    return config


def make_loaders(config: TrainConfig, data, generator: torch.Generator) -> dict[str, DataLoader]:
    loaders = {}
    for split in ("train", "val", "test"):
        train = split == "train"
        tf = create_transform(
            config.resolved("preset"),
            config.resolved("input_size"),
            config.mean,
            config.std,
            train=train,
            seed=config.seed,
        )
        ds = CachedImageDataset(data.images[split], data.targets[split], tf, seed=config.seed)
        sampler = None
        if train and config.sampler == "weighted":
            sampler = balanced_sampler(data.targets[split], generator)
        loaders[split] = make_loader(
            config,
            ds,
            batch_size=config.batch_size if train else config.batch_size * 2,
            shuffle=train and sampler is None,
            sampler=sampler,
            generator=generator if train else None,
            drop_last=train and len(ds) > config.batch_size,
            persistent_workers=False,
        )
    return loaders


def make_loader(config: TrainConfig, dataset: Any, **kwargs: Any) -> DataLoader:
    """A DataLoader with the run's worker count; each worker process reseeds its augmentation stream
    (``augmentation_worker_init``), so forked workers do not repeat one another's draws."""
    return DataLoader(
        dataset, num_workers=config.num_workers, worker_init_fn=augmentation_worker_init, **kwargs
    )


def attach_extras(config: TrainConfig, data, loaders: dict[str, DataLoader], criterion, generator):  # type: ignore[no-untyped-def]
    """Distillation from ``config.teacher`` runs (+ curriculum) and MixUp/CutMix on the train loader."""
    from medlens.training import kd
    from medlens.training.mixing import MixCollate

    if config.teacher and config.mix != "none":
        raise ValueError("--teacher and --mix cannot be combined (soft targets of two kinds)")
    if config.curriculum != "none" and not config.teacher:
        raise ValueError("--curriculum needs --teacher (difficulty comes from the teacher ensemble)")
    if config.mix != "none" and config.loss not in ("ce", "smooth"):
        raise ValueError("--mix needs --loss ce or smooth (probability targets)")
    train = loaders["train"]
    if config.teacher:
        labels = np.asarray(data.targets["train"])
        t_logits = kd.teacher_logits(
            config.teacher, data.manifest.fingerprint, data.indices["train"], data.sample_set
        )
        soft = kd.ensemble_soft_logits(t_logits, config.kd_temperature)
        hard = kd.difficulty(t_logits, labels) if config.curriculum == "confidence" else None
        ds = kd.DistillDataset(train.dataset, soft, labels, hard, config.epochs)
        ds.set_epoch(0)
        loaders["train"] = make_loader(
            config,
            ds,
            batch_size=config.batch_size,
            shuffle=True,
            generator=generator,
            drop_last=len(ds) > config.batch_size,
        )
        return kd.OfflineDistillation(criterion, config.kd_alpha, config.kd_temperature)
    if config.mix != "none":
        collate = MixCollate(config.mix, config.num_classes, config.mix_alpha, generator)
        loaders["train"] = make_loader(
            config,
            train.dataset,
            batch_size=config.batch_size,
            shuffle=train.sampler is None or isinstance(train.sampler, torch.utils.data.RandomSampler),
            sampler=None if isinstance(train.sampler, torch.utils.data.RandomSampler) else train.sampler,
            generator=generator,
            drop_last=train.drop_last,
            collate_fn=collate,
        )
    return criterion


def run_training(config: TrainConfig, resume: bool = False, parallel: DataParallel | None = None) -> Path:
    """Train, select on validation, evaluate the best checkpoint on test, write the run folder.

    ``parallel`` (one worker of ``medlens train --workers N``, see ``training.distributed``) shards the
    training split and averages gradients; only its main worker evaluates."""
    t_start = time.perf_counter()
    config = resolve_config(config)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    config.save(out / "config.json")
    torch.set_num_threads(config.threads or default_threads())
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    generator = torch.Generator().manual_seed(config.seed)

    data = prepare_data(config, out)
    if parallel is None:
        loaders = make_loaders(config, data, generator)
    else:
        loaders = make_loaders(parallel.loader_config(config), parallel.shard(data), generator)
    model = create_classifier(
        config.resolved("backbone"),
        config.num_classes,
        pretrained=config.pretrained or False,
        drop_rate=config.drop_rate,
        heads=config.heads or None,
    ).to(device)
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if parallel is not None:
        parallel.prepare_model(model)
    schema = get_task(config.task).schema
    criterion = create_criterion(
        config.loss,
        schema,
        train_labels=data.targets["train"],
        class_weighted=config.class_weighted,
        **({"gamma": config.focal_gamma} if config.loss == "focal" else {}),
    ).to(device)
    optimizer = create_optimizer(model, config.optimizer, config.lr, config.weight_decay)
    scheduler = create_scheduler(
        optimizer,
        config.scheduler,
        config.epochs,
        len(loaders["train"]),
        config.warmup_epochs,
        config.step_size,
    )
    criterion = attach_extras(config, data, loaders, criterion, generator)
    parts = FitParts(
        model, loaders["train"], loaders["val"], criterion, optimizer, scheduler, generator, device
    )
    options = FitOptions(
        epochs=config.epochs,
        monitor=config.monitor,
        patience=config.patience,
        lp_epochs=config.lp_epochs,
        channels_last=config.channels_last,
        progress=config.progress,
        schema=schema,
    )
    result = fit(parts, options, out, config.to_dict(), resume=resume)
    train_time = float(sum(r["epoch_time_s"] for r in result.history))
    if parallel is not None and not parallel.is_main:
        return out
    evaluate_run(
        out,
        config=config,
        loaders=loaders,
        device=device,
        started=t_start,
        extra={
            "train_time_s": train_time,
            "best_epoch": result.best_epoch + 1,
            "epochs_run": len(result.history),
            "stopped_early": result.stopped_early,
            "resumed_from_epoch": (None if result.resumed_from is None else result.resumed_from + 1),
            "n_train": len(data.indices["train"]),
            "n_val": len(data.indices["val"]),
            "n_test": len(data.indices["test"]),
            "dataset_fingerprint": data.sample_set.fingerprint(),
            "split_fingerprint": data.manifest.fingerprint,
            "split_method": data.manifest.method,
            "workers": parallel.world_size if parallel is not None else 1,
        },
    )
    return out


def evaluate_run(
    run_dir: Path,
    config: TrainConfig | None = None,
    loaders: dict[str, DataLoader] | None = None,
    device: torch.device | None = None,
    tta: list[str] | None = None,
    extra: dict | None = None,
    started: float | None = None,
) -> dict:
    """Reload ``best.pt``, predict val and test (with TTA), write logits, metrics, plots and report."""
    t0 = time.perf_counter()
    run_dir = Path(run_dir)
    if config is None:
        config = TrainConfig.load(run_dir / "config.json")
    device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if loaders is None:
        torch.set_num_threads(config.threads or default_threads())
        data = prepare_data(config, run_dir)
        loaders = make_loaders(config, data, torch.Generator().manual_seed(config.seed))
    model, _ = load_checkpoint(run_dir / "best.pt")
    model = model.to(device)
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    tta = config.tta if tta is None else tta
    out = {}
    for split in ("val", "test"):
        logits, labels = predict(model, loaders[split], device, tta=tta, channels_last=config.channels_last)
        np.save(run_dir / f"{split}_logits.npy", logits)
        np.save(run_dir / f"{split}_labels.npy", labels)
        out[split] = (logits, labels)
    extra = dict(extra or {})
    extra["eval_time_s"] = time.perf_counter() - t0
    if started is not None:  # whole command: data, training and evaluation (plots/report excluded)
        extra["process_wall_time_s"] = time.perf_counter() - started
    return write_results(run_dir, config, out["val"], out["test"], tta=tta, extra=extra)

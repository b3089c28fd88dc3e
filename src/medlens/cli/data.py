"""medlens CLI: data commands (list adapters, inspect a dataset, make and audit splits)."""

from __future__ import annotations

from pathlib import Path

import typer

data_app = typer.Typer(help="Datasets: adapters, leakage-free splits, leakage audit.", no_args_is_help=True)


def _parse_kv(options: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _load(name: str, root: Path, option: list[str]):
    from medlens.data import DatasetFormatError, create_dataset

    try:
        return create_dataset(name, root, **_parse_kv(option))
    except (DatasetFormatError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


OptionKV = typer.Option([], "--option", "-o", help="Adapter keyword KEY=VALUE (repeatable).")


@data_app.command("list")
def list_cmd() -> None:
    """List the dataset adapters."""
    from medlens.data import DATASETS, list_datasets

    for name in list_datasets():
        doc = (DATASETS.get(name).__doc__ or "").strip().splitlines()
        typer.echo(f"{name:16s} {doc[0] if doc else ''}")


@data_app.command("inspect")
def inspect_cmd(name: str, root: Path, option: list[str] = OptionKV) -> None:
    """Counts per class (and per head), number of groups, official splits."""
    import numpy as np

    ds = _load(name, root, option)
    typer.echo(
        f"{ds.name}: {len(ds)} images, {len(set(ds.groups().tolist()))} groups, fingerprint {ds.fingerprint()[:12]}"
    )
    heads = ds.heads or {"label": ds.classes}
    for head, classes in heads.items():
        counts = np.bincount(ds.labels(head), minlength=len(classes))
        typer.echo(
            f"  {head}: " + ", ".join(f"{c} {n}" for c, n in zip(classes, counts.tolist(), strict=True))
        )
    if ds.predefined_splits:
        typer.echo(
            "  official splits: " + ", ".join(f"{k} {len(v)}" for k, v in ds.predefined_splits.items())
        )


@data_app.command("split")
def split_cmd(
    name: str,
    root: Path,
    out: Path = typer.Option(..., "--out", help="Where to write the split manifest (JSON)."),
    seed: int = typer.Option(0, help="Random seed."),
    grouped: bool = typer.Option(
        True, "--grouped/--random", help="Group by patient/lesion id (default) or not."
    ),
    fractions: str = typer.Option("0.7,0.15,0.15", help="train,val,test fractions."),
    dedup: bool = typer.Option(False, "--dedup", help="Also keep exact/near-duplicate images in one group."),
    option: list[str] = OptionKV,
) -> None:
    """Make a seeded, stratified split and save its manifest."""
    from medlens.data.dupgroups import group_duplicates
    from medlens.data.splits import make_split, random_split

    ds = _load(name, root, option)
    if dedup:
        ds = group_duplicates(ds)
    fr = tuple(float(x) for x in fractions.split(","))
    manifest = make_split(ds, fr, seed=seed) if grouped else random_split(ds, fr, seed=seed)
    manifest.save(out)
    sizes = ", ".join(f"{k} {len(v)}" for k, v in manifest.splits.items())
    typer.echo(
        f"{manifest.method} split of {ds.name}: {sizes}; fingerprint {manifest.fingerprint[:12]} -> {out}"
    )


@data_app.command("audit")
def audit_cmd(
    name: str,
    root: Path,
    manifest: Path = typer.Option(..., "--manifest", help="Split manifest from 'medlens data split'."),
    near: bool = typer.Option(True, "--near/--no-near", help="Also look for near duplicates (pHash)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the full report as JSON."),
    option: list[str] = OptionKV,
) -> None:
    """Audit a split for leakage: shared groups, exact and near duplicates across splits."""
    import json

    from medlens.data import DatasetFormatError
    from medlens.data.splits import SplitManifest, audit_leakage

    ds = _load(name, root, option)
    try:
        m = SplitManifest.load(manifest)
        report = audit_leakage(ds, m, near_duplicates=near)
    except DatasetFormatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(report.to_markdown())
    if json_out:
        json_out.write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
    if not report.ok:
        raise typer.Exit(1)


def _set_fingerprint(raw: dict, fingerprint: str) -> None:
    raw["data"]["fingerprint"] = fingerprint


@data_app.command("verify-split")
def verify_split_cmd(
    models: list[Path] = typer.Argument(..., help="Bundle folders (or card.json files)."),
    data_root: Path | None = typer.Option(None, help="Data root (default: the card's training command)."),
    restamp: bool = typer.Option(
        False, help="Write the portable fingerprint into cards verified by the old formula."
    ),
) -> None:
    """Rebuild each bundle's train/val/test split from its card and check it against the card's
    split fingerprint. Exit 1 when a split does not verify."""
    from functools import partial

    from medlens.card import CardError, edit_card_json, load_card
    from medlens.data import DatasetFormatError
    from medlens.data.rebuild import facts_from_card, rebuild_split

    failed = 0
    for model in models:
        try:
            card = load_card(model)
            facts = facts_from_card(card, data_root)
            rebuilt = rebuild_split(facts, card.data.fingerprint, strict=False)
        except (CardError, DatasetFormatError, OSError, ValueError) as exc:
            typer.echo(f"{model}: error: {exc}", err=True)
            failed += 1
            continue
        new = rebuilt.manifest.fingerprint
        if not rebuilt.verified:
            typer.echo(f"{model}: NOT verified: {facts.describe()} gives {new[:12]}…, the card has "
                       f"{card.data.fingerprint[:12] or 'none'}…")  # fmt: skip
            failed += 1
        elif rebuilt.legacy and restamp:
            edit_card_json(card.directory, partial(_set_fingerprint, fingerprint=new))
            typer.echo(f"{model}: verified by the old formula; card re-stamped {new[:12]}…")
        else:
            how = "the old formula (re-stamp with --restamp)" if rebuilt.legacy else "its fingerprint"
            typer.echo(f"{model}: verified by {how}: {facts.describe()}")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group to app."""
    app.add_typer(data_app, name="data")

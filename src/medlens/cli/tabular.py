"""medlens CLI: ``medlens tabular train|evaluate|predict`` (COVID-19 risk models)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

tabular_app = typer.Typer(
    help="COVID-19 tabular risk models (Mexican government data).", no_args_is_help=True
)


@tabular_app.command()
def train(
    out: Path = typer.Option(Path("models/covid-death"), help="Folder for model.joblib + card.json."),
    target: str = typer.Option(
        "death-positive", help="death-positive | death-all | icu | intubation | positivity"
    ),
    group: str = typer.Option(
        "all", help="Feature group: all | underlying | chronic | cardiac | lung | seed_lr"
    ),
    model: str = typer.Option("lgbm", help="lr | rf | hgb | lgbm"),
    imbalance: str = typer.Option("class_weight", help="none | class_weight | smote | undersample"),
    target_recall: float = typer.Option(0.80, help="Recall the validation threshold must reach."),
    max_train_rows: int = typer.Option(0, help="Stratified subsample of train (0 = all rows)."),
    seed: int = typer.Option(0),
    n_boot: int = typer.Option(1000, help="Bootstrap resamples for test CIs."),
    data: Path = typer.Option(None, help="CSV or zip (default: shared data covid_mexico/Covid Data.zip)."),
    task: str = typer.Option("covid-death", help="Task name written in the card."),
) -> None:
    """Fit on train, choose the threshold on validation, report test metrics, save model + card."""
    from medlens.tabular.io import load_covid
    from medlens.tabular.train import card_metrics_line, train_and_save

    cmd = "medlens tabular " + " ".join(
        sys.argv[sys.argv.index("train") :] if "train" in sys.argv else ["train"]
    )
    d = load_covid(data)
    res = train_and_save(d, out, target, group, model, imbalance, target_recall, max_train_rows or None, seed,
                         n_boot, cmd, task)  # fmt: skip
    typer.echo(f"saved {res.directory} (threshold {res.card.thresholds.threshold:.4f})")
    typer.echo("test: " + card_metrics_line(res.card.metrics))
    typer.echo("test, unique profiles: " + card_metrics_line(res.card.metrics_dedup))


@tabular_app.command()
def evaluate(
    model: Path = typer.Option(Path("models/covid-death"), help="Model folder (card.json)."),
    data: Path = typer.Option(None, help="CSV or zip (default: the shared file)."),
    n_boot: int = typer.Option(1000),
) -> None:
    """Re-score the model's test split (same seed and cohort as in its card) with bootstrap CIs."""
    from medlens.tabular.experiment import dedup_view, make_cohort
    from medlens.tabular.io import load_covid
    from medlens.tabular.risk import RiskModel
    from medlens.tabular.split import covid_split
    from medlens.tabular.targets import get_target
    from medlens.tabular.train import card_metrics_line, metrics_with_ci

    rm = RiskModel.load(model)
    d = load_covid(data)
    split = covid_split(d.raw, d.clean, seed=rm.card.split_seed)
    c = make_cohort(d.clean, split, get_target(rm.card.target), rm.card.feature_group)
    s = rm.predict_frame(c.X["test"])
    m = metrics_with_ci(c.y["test"], s, rm.threshold, n_boot)
    yd, sd = dedup_view(c.y["test"], s, c.group["test"])
    typer.echo(f"{rm.card.name} on {rm.card.target} test ({len(s):,} rows), threshold {rm.threshold:.4f}")
    typer.echo("test: " + card_metrics_line(m))
    typer.echo("test, unique profiles: " + card_metrics_line(metrics_with_ci(yd, sd, rm.threshold, n_boot)))
    typer.echo(json.dumps({k: v for k, v in m.items()}, default=float))


@tabular_app.command()
def predict(
    input: Path = typer.Option(
        ..., "--input", "-i", help="CSV in the government coding (SEX 1/2, yes/no 1/2)."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="CSV out: input columns + probability + at_risk."
    ),
    model: Path = typer.Option(Path("models/covid-death"), help="Model folder (card.json)."),
) -> None:
    """Batch scoring: CSV in, CSV out with probability and at_risk columns."""
    from medlens.card import CardError
    from medlens.tabular.inputs import read_scoring_csv
    from medlens.tabular.risk import RiskModel
    from medlens.tabular.schema import TabularSchemaError

    try:
        rm = RiskModel.load(model)
        df, clean = read_scoring_csv(input, rm.features)
    except (CardError, TabularSchemaError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    p = rm.predict_frame(clean)
    df["probability"] = p.round(6)
    df["at_risk"] = (p >= rm.threshold).astype(int)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(output, index=False)
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"scored {len(df):,} rows -> {output} ({int(df['at_risk'].sum()):,} at risk, threshold {rm.threshold:.4f})"
    )


def register(app: typer.Typer) -> None:
    """Add the ``tabular`` sub-app."""
    app.add_typer(tabular_app, name="tabular")

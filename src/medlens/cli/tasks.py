"""medlens CLI: list the registered screening tasks."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("tasks")
    def tasks_cmd() -> None:
        """List screening tasks with their classes, target class and defaults."""
        from medlens.tasks import TASKS, get_task

        for name in TASKS.names():
            spec = get_task(name)
            heads = "; ".join(f"{h.name}: {', '.join(h.classes)}" for h in spec.heads)
            typer.echo(
                f"{name:18s} target={spec.target or '-':18s} {spec.default_backbone}@{spec.input_size}  [{heads}]"
            )

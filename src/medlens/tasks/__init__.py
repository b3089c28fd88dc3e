"""Task registry: ``get_task(name)``, ``list_tasks()``. Adding a task never touches the trainer."""

from medlens.registry import Registry
from medlens.tasks.spec import Head, RiskBand, TaskSpec, Text

TASKS: Registry[TaskSpec] = Registry("task")


def register_task(spec: TaskSpec) -> TaskSpec:
    return TASKS.register(spec.name, spec)


def get_task(name: str) -> TaskSpec:
    return TASKS.get(name)


def list_tasks() -> list[str]:
    return TASKS.names()


from medlens.tasks import builtin as _builtin  # noqa: E402,F401  (registers the built-in tasks)

__all__ = ["TASKS", "Head", "RiskBand", "TaskSpec", "Text", "get_task", "list_tasks", "register_task"]

"""Task registry: ``get_task(name)``, ``list_tasks()``. Adding a task never touches the trainer."""

from medlens.registry import Registry
from medlens.tasks.modality import MODALITIES, Modality, get_modality, register_modality
from medlens.tasks.schema import Head, LabelSchema
from medlens.tasks.spec import Reference, RiskBand, TaskSpec
from medlens.tasks.text import Text

TASKS: Registry[TaskSpec] = Registry("task")


def register_task(spec: TaskSpec) -> TaskSpec:
    get_modality(spec.modality)  # unknown modality -> ValueError listing the valid ones
    spec.schema  # noqa: B018  (validates the heads)
    return TASKS.register(spec.name, spec)


def get_task(name: str) -> TaskSpec:
    return TASKS.get(name)


def list_tasks() -> list[str]:
    return TASKS.names()


from medlens.tasks import builtin as _builtin  # noqa: E402,F401  (registers the built-in tasks)

__all__ = [
    "MODALITIES",
    "TASKS",
    "Head",
    "LabelSchema",
    "Modality",
    "Reference",
    "RiskBand",
    "TaskSpec",
    "Text",
    "get_modality",
    "get_task",
    "list_tasks",
    "register_modality",
    "register_task",
]

"""Derived results: what a task computes from its predicted heads besides the heads themselves.

A task lists the names in ``TaskSpec.derived``; each name is a function registered here,
``(grades: {head: class name}, lang) -> DerivedResult | None``. The web result page and the PDF show
every derived result the same way (a headline and titled paragraphs), so no page code names a task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from medlens.registry import Registry


@dataclass(frozen=True)
class DerivedResult:
    key: str  # html id / CSS hook
    title: str
    headline: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (sub-title, text)
    note: str = ""


Deriver = Callable[[Mapping[str, str], str], DerivedResult | None]
DERIVERS: Registry[Deriver] = Registry("derived result")


def _load_builtin() -> None:
    import medlens.scalp.types  # noqa: F401  (registers "scalp-type")


def derive(names: tuple[str, ...], grades: Mapping[str, str], lang: str) -> list[DerivedResult]:
    """Run the named derivers on the predicted classes per head; those that give nothing are skipped."""
    if not names:
        return []
    _load_builtin()
    out = []
    for name in names:
        result = DERIVERS.get(name)(grades, lang)
        if result is not None:
            out.append(result)
    return out

"""Derived results: what a task computes from its predicted heads besides the heads themselves.

A task lists the names in ``TaskSpec.derived``; each name is a function registered here,
``(grades: {head: class name}, lang) -> DerivedResult | None``. The web result page and the PDF show
every derived result the same way (a headline and titled paragraphs), so no page code names a task.

A derived result may carry catalogue ``tags`` (e.g. the scalp types it matches, best first): the care
products an admin lists are tagged with these names. Each deriver registers the tags it can give, with
their titles, in ``TAG_SETS`` (its own name -> {tag: Text}); :func:`catalogue_tags` is the union that the
product editor offers, so the web code never names a type itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from medlens.registry import Registry
from medlens.tasks.text import Text


@dataclass(frozen=True)
class DerivedResult:
    key: str  # html id / CSS hook
    title: str
    headline: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (sub-title, text)
    note: str = ""
    tags: tuple[str, ...] = ()  # catalogue tags this result matches, best first (TAG_SETS)


Deriver = Callable[[Mapping[str, str], str], DerivedResult | None]
DERIVERS: Registry[Deriver] = Registry("derived result")
TAG_SETS: Registry[Mapping[str, Text]] = Registry("derived tag set")


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


def catalogue_tags() -> dict[str, Text]:
    """Every tag a derived result can carry, with its title (in registration order per set)."""
    _load_builtin()
    out: dict[str, Text] = {}
    for name in TAG_SETS.names():
        for tag, title in TAG_SETS.get(name).items():
            if tag in out:
                raise ValueError(f"tag {tag!r} of {name!r} is already given by another tag set")
            out[tag] = title
    return out

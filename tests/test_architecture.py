"""Layering rules that keep tasks as data (issue 10): read the source, fail on a rule broken."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "medlens"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted((SRC / "models").glob("*.py")), ids=lambda p: p.name)
def test_models_import_neither_serving_nor_evaluation_nor_export(path: Path) -> None:
    bad = {
        m
        for m in _imports(path)
        if m.split(".")[:2] in (["medlens", "serving"], ["medlens", "evaluation"], ["medlens", "export"])
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_web_code_knows_no_modality_or_task_names() -> None:
    from medlens.tasks import MODALITIES, list_tasks
    from medlens.web.services.cases import BODY_SITES

    names = (set(list_tasks()) | set(MODALITIES.names())) - set(BODY_SITES)  # "scalp" is also a body site
    quoted = re.compile(r"""["']([a-z0-9-]+)["']""")
    offenders = []
    for path in sorted((SRC / "web").rglob("*")):
        if path.suffix not in {".py", ".html"}:
            continue
        text = path.read_text(encoding="utf-8")
        if "modality ==" in text or "modality !=" in text:
            offenders.append(f"{path.name}: compares a modality")
        offenders += [f"{path.name}: names {m}" for m in set(quoted.findall(text)) & names]
    assert not offenders, offenders


def test_no_source_file_over_400_lines() -> None:
    long = {
        p.relative_to(SRC).as_posix(): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long, long

"""Pages for admins: statistics dashboard, users, audit log, dataset export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from medlens.tasks import list_tasks
from medlens.web import admin_view
from medlens.web.charts import bar_chart
from medlens.web.deps import PageUser, SessionDep, StateDep, UserId
from medlens.web.errors import AppError
from medlens.web.i18n import translate
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import audit, export, group_stats, stats, users
from medlens.web.subgroups_view import subgroup_panels

router = APIRouter(prefix="/admin")


def _own_group_charts(db: SessionDep, tasks: list[str], lang: str) -> list[tuple[str, Markup | None]]:
    """Grade distributions per (sex, age group) of every graded task (hidden below the minimum count)."""
    out: list[tuple[str, Markup | None]] = []
    for task in tasks:
        if task not in list_tasks():
            continue
        for g in group_stats.all_groups(db, task):
            shown = group_stats.present(
                g, lang, translate(lang, f"sex.{g.sex}"), translate(lang, f"age.{g.age_group}")
            )
            if shown is None:
                continue
            name = admin_view.task_title(task, lang)
            if shown["hidden"]:
                out.append((f"{name}: {shown['title']}", None))
            for head_title, items in shown["heads"]:
                title = f"{name}: {shown['title']} — {head_title} (n={g.n})"
                out.append((title, bar_chart(items, title, max_value=1.0)))
    return out


def _served_cards(state: StateDep) -> list[object]:
    """The cards of every served model: image models by task, then the tabular risk model."""
    cards = [p.card for p in state.predictors.values()]
    return cards + ([state.risk_model.card] if state.risk_model is not None else [])


@router.get("")
def dashboard(request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    lang = page_lang(request)
    data = stats.case_statistics(db, user)
    charts = []
    for key in ("task", "result", "risk", "sex", "age_group", "status", "day"):
        items = admin_view.stat_items(key, data[key], lang)
        title = translate(lang, f"admin.by_{key}")
        charts.append((title, bar_chart(items, title, value_fmt="{:.0f}") if items else None))
    charts += _own_group_charts(db, list(data["task"]), lang)
    tasks = [(name, admin_view.task_title(name, lang)) for name in list_tasks()]
    return render(
        request,
        "admin_stats.html",
        user,
        charts=charts,
        tasks=tasks,
        total=sum(data["task"].values()),
        agreement=stats.agreement_by_model(db, user),
        subgroups=subgroup_panels(_served_cards(state), lang),
    )


@router.get("/users")
def users_page(request: Request, user: PageUser, db: SessionDep, error: str = "") -> Response:
    return render(request, "admin_users.html", user, users=users.list_users(db, user), error=error)


@router.post("/users")
def create_user(
    request: Request,
    user: PageUser,
    db: SessionDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "clinician",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        users.admin_create_user(db, user, email, password, name, role)
    except AppError as exc:
        if exc.status == 403:
            raise
        msg = translate(page_lang(request), exc.key, **exc.params)
        return render(
            request, "admin_users.html", user, exc.status, users=users.list_users(db, user), error=msg
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(
    user_id: UserId,
    request: Request,
    user: PageUser,
    db: SessionDep,
    active: Annotated[str, Form()] = "0",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    users.set_active(db, user, user_id, active == "1")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/revoke")
def revoke_sessions(
    user_id: UserId, request: Request, user: PageUser, db: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Sign the user out everywhere (web sessions and API tokens)."""
    check_csrf(request, csrf_token)
    users.revoke_sessions(db, user, user_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit")
def audit_page(request: Request, user: PageUser, db: SessionDep) -> Response:
    users.require_role(user, "admin")
    rows = admin_view.audit_rows(db, audit.recent(db, 300), page_lang(request))
    return render(request, "admin_audit.html", user, rows=rows)


@router.get("/export")
async def export_zip(task: str, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    return await export.export_download(db, state.store, user, task)

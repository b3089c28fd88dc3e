"""Admin pages: the care-product catalogue (list, add, edit, delete) and the clinic directory import.

Admins only (403 for other roles), a CSRF token on every POST; bad input re-renders the form with the
message and a 4xx status, and stores nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from medlens.db import User
from medlens.web.deps import MAX_ID, PageUser, SessionDep, StateDep
from medlens.web.errors import AppError
from medlens.web.i18n import translate
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import clinics, products
from medlens.web.services.users import require_role

router = APIRouter(prefix="/admin")
ProductId = Annotated[int, Path(ge=1, le=MAX_ID, description="Product id")]
MAX_CSV_ERRORS = 200  # row errors listed on the page (the count says how many there were)


def _form(
    name: str, brand: str, tags: list[str] | None, url: str
) -> products.ProductInput:  # bounded before any check: the form fields are free text
    return products.ProductInput(
        name[:1000], brand[:1000], tuple(t[:60] for t in (tags or [])[:50]), url[:2000]
    )


def _products_page(
    request: Request,
    user: User,
    db: SessionDep,
    status: int = 200,
    error: str = "",
    edit: Any = None,
    values: dict[str, Any] | None = None,
) -> Response:
    lang = page_lang(request)
    titles = dict(products.tag_titles(lang))
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "brand": p.brand,
            "url": p.url,
            "tags": [titles.get(t, t) for t in p.tags],
        }
        for p in products.list_products(db, user)
    ]
    if values is None and edit is not None:
        values = {"name": edit.name, "brand": edit.brand, "tags": list(edit.tags), "url": edit.url}
    return render(
        request,
        "admin_products.html",
        user,
        status,
        products=rows,
        tag_choices=list(titles.items()),
        error=error,
        edit=edit,
        values=values or {"name": "", "brand": "", "tags": [], "url": ""},
    )


def _values(inp: Any) -> dict[str, Any]:
    """The submitted product form, to show it again beside its error."""
    return {"name": inp.name, "brand": inp.brand, "tags": list(inp.tags), "url": inp.url}


def _message(request: Request, exc: AppError) -> str:
    return translate(page_lang(request), exc.key, **exc.params)


@router.get("/products")
def products_page(request: Request, user: PageUser, db: SessionDep) -> Response:
    return _products_page(request, user, db)


@router.post("/products")
def create_product(
    request: Request,
    user: PageUser,
    db: SessionDep,
    name: Annotated[str, Form()] = "",
    brand: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    tags: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    inp = _form(name, brand, tags, url)
    try:
        products.create_product(db, user, inp)
    except AppError as exc:
        if exc.status == 403:
            raise
        values = _values(inp)
        return _products_page(request, user, db, exc.status, _message(request, exc), values=values)
    return RedirectResponse("/admin/products?saved=1", status_code=303)


@router.get("/products/{product_id}")
def edit_product_page(product_id: ProductId, request: Request, user: PageUser, db: SessionDep) -> Response:
    row = products.get_product(db, user, product_id)
    return _products_page(request, user, db, edit=row)


@router.post("/products/{product_id}")
def update_product(
    product_id: ProductId,
    request: Request,
    user: PageUser,
    db: SessionDep,
    name: Annotated[str, Form()] = "",
    brand: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    tags: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    inp = _form(name, brand, tags, url)
    try:
        products.update_product(db, user, product_id, inp)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        values = _values(inp)
        edit = products.get_product(db, user, product_id)
        return _products_page(request, user, db, exc.status, _message(request, exc), edit=edit, values=values)
    return RedirectResponse("/admin/products?saved=1", status_code=303)


@router.post("/products/{product_id}/delete")
def delete_product(
    product_id: ProductId,
    request: Request,
    user: PageUser,
    db: SessionDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    products.delete_product(db, user, product_id)
    return RedirectResponse("/admin/products?deleted=1", status_code=303)


@router.post("/products-samples")
def add_sample_products(
    request: Request, user: PageUser, db: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    products.add_samples(db, user)
    return RedirectResponse("/admin/products?saved=1", status_code=303)


def _clinics_page(
    request: Request, user: User, db: SessionDep, state: StateDep, status: int = 200, **ctx: Any
) -> Response:
    require_role(user, "admin")
    directory = clinics.current(db, state.care)
    return render(
        request,
        "admin_clinics.html",
        user,
        status,
        directory=directory,
        columns="name,department,address,lat,lon,phone",
        departments=clinics.DEPARTMENTS,
        **ctx,
    )


@router.get("/clinics")
def clinics_page(request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    return _clinics_page(request, user, db, state)


@router.post("/clinics")
async def import_clinics(
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require_role(user, "admin")
    data = await file.read(clinics.MAX_BYTES + 1)
    try:
        n = await run_in_threadpool(clinics.import_clinics, db, user, data, file.filename or "")
    except clinics.ImportRejected as exc:
        lang = page_lang(request)
        errors = [
            {"line": e.line, "text": translate(lang, e.key, **e.params)} for e in exc.errors[:MAX_CSV_ERRORS]
        ]
        more = len(exc.errors) - len(errors)
        page = _clinics_page
        return page(request, user, db, state, 400, error=_message(request, exc), row_errors=errors, more=more)
    return RedirectResponse(f"/admin/clinics?imported={n}", status_code=303)


@router.post("/clinics/clear")
def clear_clinics(
    request: Request, user: PageUser, db: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    clinics.clear_imported(db, user)
    return RedirectResponse("/admin/clinics?cleared=1", status_code=303)

"""Care products: the admin catalogue (roles, CSRF, validation with 4xx, nothing stored on bad input) and
the links on a result page matched to its derived type, always worded as care products, never treatment."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from medlens.db import CareProduct
from medlens.scalp.types import scalp_type
from medlens.web.services.products import check_url

from .conftest import photo_bytes, upload
from .test_auth import csrf_of
from .test_pages import check_page, login

GOOD = {
    "name": "Mild shampoo",
    "brand": "Acme",
    "url": "https://shop.example.org/p/1",
    "tags": ["dry", "oily"],
}


def _count(client) -> int:
    with client.app.state.medlens.session_factory() as db:
        return db.scalar(select(func.count()).select_from(CareProduct)) or 0


def _post(client, path: str, form: dict, page: str = "/admin/products"):
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)


@pytest.fixture
def admin(client, make_account):
    acc = make_account("admin")
    login(client, acc.email)
    return acc


@pytest.mark.parametrize(
    "url",
    ["http://example.org", "https://shop.example.org/p?id=3&x=%20", "HTTPS://EXAMPLE.ORG/a"],
)
def test_check_url_accepts_http_links(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/x",
        "//example.org/x",
        "example.org",
        "https://",
        "https://exa mple.org",
        "https://example.org/\nx",
        "https://[::1",
        "",
        "https://example.org/" + "a" * 1000,
    ],
)
def test_check_url_refuses_everything_else(url: str) -> None:
    from medlens.web.errors import AppError

    with pytest.raises(AppError) as err:
        check_url(url)
    assert err.value.status == 400


def test_admin_adds_edits_and_deletes_a_product(client, admin) -> None:
    page = client.get("/admin/products?lang=en")
    assert page.status_code == 200 and 'id="no-products"' in page.text
    check_page(page.text)
    assert 'id="tag-hair_loss"' in page.text and "Hair-loss type scalp" in page.text  # tags from the task

    r = _post(client, "/admin/products", GOOD)
    assert r.status_code == 303 and r.headers["location"] == "/admin/products?saved=1"
    with client.app.state.medlens.session_factory() as db:
        row = db.scalars(select(CareProduct)).one()
        assert (row.name, row.brand, row.tags, row.url) == (
            "Mild shampoo",
            "Acme",
            ["dry", "oily"],
            GOOD["url"],
        )
        pid = row.id
    listed = client.get("/admin/products?lang=ko").text
    assert "Mild shampoo" in listed and "건성 두피, 지성 두피" in listed

    edit = client.get(f"/admin/products/{pid}?lang=en")
    assert edit.status_code == 200 and 'value="Mild shampoo"' in edit.text
    check_page(edit.text)
    r = _post(client, f"/admin/products/{pid}", {**GOOD, "name": "Gentle shampoo", "tags": ["hair_loss"]})
    assert r.status_code == 303
    with client.app.state.medlens.session_factory() as db:
        row = db.get(CareProduct, pid)
        assert row is not None and row.name == "Gentle shampoo" and row.tags == ["hair_loss"]

    r = _post(client, f"/admin/products/{pid}/delete", {})
    assert r.status_code == 303 and _count(client) == 0
    assert _post(client, f"/admin/products/{pid}/delete", {}).status_code == 404
    assert _post(client, f"/admin/products/{pid}", GOOD).status_code == 404
    assert client.get(f"/admin/products/{pid}").status_code == 404
    assert client.get("/admin/products/abc").status_code == 404
    assert client.get("/admin/products/99999999999").status_code == 404
    audit = client.get("/admin/audit?lang=en").text
    assert "Care product added" in audit and "Care product deleted" in audit


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "product name"),
        ({"name": "x" * 201}, "product name"),
        ({"brand": "  "}, "brand"),
        ({"url": "javascript:alert(1)"}, "http"),
        ({"url": "ftp://example.org"}, "http"),
        ({"tags": []}, "at least one type"),
        ({"tags": ["dry", "no-such-type"]}, "Unknown type"),
    ],
)
def test_bad_product_input_is_a_400_and_stores_nothing(client, admin, change: dict, message: str) -> None:
    r = _post(client, "/admin/products?lang=en", {**GOOD, **change})
    assert r.status_code == 400
    assert 'id="product-error"' in r.text and message in r.text
    assert _count(client) == 0
    if "brand" not in change:  # the form comes back with what was typed
        assert 'value="Acme"' in r.text


def test_bad_edit_is_a_400_and_keeps_the_stored_product(client, admin) -> None:
    assert _post(client, "/admin/products", GOOD).status_code == 303
    with client.app.state.medlens.session_factory() as db:
        pid = db.scalars(select(CareProduct.id)).one()
    r = _post(client, f"/admin/products/{pid}?lang=en", {**GOOD, "name": "Changed", "url": "data:x"})
    assert r.status_code == 400 and "http" in r.text
    with client.app.state.medlens.session_factory() as db:
        row = db.get(CareProduct, pid)
        assert row is not None and row.name == "Mild shampoo" and row.url == GOOD["url"]


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_only_admins_see_or_change_the_catalogue(client, make_account, role: str) -> None:
    admin = make_account("admin")
    login(client, admin.email)
    assert _post(client, "/admin/products", GOOD).status_code == 303
    with client.app.state.medlens.session_factory() as db:
        pid = db.scalars(select(CareProduct.id)).one()
    other = make_account(role)
    login(client, other.email)
    assert client.get("/admin/products").status_code == 403
    assert client.get(f"/admin/products/{pid}").status_code == 403
    token = csrf_of(client.get("/account").text)
    for path, form in (
        ("/admin/products", GOOD),
        (f"/admin/products/{pid}", {**GOOD, "name": "Hijacked"}),
        (f"/admin/products/{pid}/delete", {}),
        ("/admin/products-samples", {}),
    ):
        r = client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 403, path
    assert _count(client) == 1
    client.cookies.clear()
    assert client.get("/admin/products", follow_redirects=False).status_code == 303  # to the login page


def test_a_post_without_the_csrf_token_is_refused(client, admin) -> None:
    r = client.post("/admin/products", data=GOOD, follow_redirects=False)
    assert r.status_code == 403 and _count(client) == 0


def test_sample_products_are_added_once_and_marked(client, admin) -> None:
    assert _post(client, "/admin/products-samples", {}).status_code == 303
    n = _count(client)
    assert n >= 5
    assert _post(client, "/admin/products-samples", {}).status_code == 303
    assert _count(client) == n
    with client.app.state.medlens.session_factory() as db:
        rows = list(db.scalars(select(CareProduct)))
    assert all(r.name.startswith("(SAMPLE)") and r.url.startswith("https://example.org/") for r in rows)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_result_page_links_the_products_of_its_type_as_care_not_treatment(
    client, make_account, lang: str
) -> None:
    admin = make_account("admin")
    login(client, admin.email)
    pat = make_account()
    body = upload(client, pat, photo_bytes(), task="scalp", body_site="scalp").json()
    name, _ = scalp_type({h["name"]: int(h["label"]) for h in body["heads"]})
    other = "good" if name != "good" else "dry"
    _post(client, "/admin/products", {**GOOD, "name": "Matched brush", "tags": [name]})
    _post(client, "/admin/products", {**GOOD, "name": "Other lotion", "tags": [other]})
    _post(client, "/admin/products", {**GOOD, "name": "Evil", "url": "javascript:alert(1)", "tags": [name]})

    login(client, pat.email)
    page = client.get(f"/cases/{body['id']}?lang={lang}").text
    check_page(page)
    assert 'id="care-products"' in page and "Matched brush" in page and "Other lotion" not in page
    assert "javascript:" not in page
    assert 'href="https://shop.example.org/p/1" rel="noopener noreferrer nofollow"' in page
    note = "They are not treatment" if lang == "en" else "치료가 아니며"
    assert note in page
    care = client.get(f"/api/v1/cases/{body['id']}/care?lang={lang}", headers=pat.auth).json()
    assert [p["name"] for p in care["products"]] == ["Matched brush"]

    cid = upload(client, pat, photo_bytes(), task="melanoma").json()["id"]
    assert 'id="care-products"' not in client.get(f"/cases/{cid}").text  # no derived type: no products

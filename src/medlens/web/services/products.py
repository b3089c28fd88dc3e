"""Care products: an admin-edited catalogue (name, brand, type tags, link) shown as links on a result whose
derived type carries one of the product's tags. Everyday care products, never treatment.

The tags are the names the tasks' derived results give (``medlens.tasks.derived.catalogue_tags``, e.g.
the scalp types); this module names none of them. Bad input is a 400 with a message; only admins edit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import CareProduct, User
from medlens.resources import SAMPLE_PRODUCTS_JSON
from medlens.tasks.derived import catalogue_tags
from medlens.web.errors import AppError, not_found
from medlens.web.services import audit
from medlens.web.services.users import require_role

MAX_NAME, MAX_BRAND, MAX_URL = 200, 120, 1000
MAX_SHOWN = 8  # products on one result page


@dataclass(frozen=True)
class ProductInput:
    name: str
    brand: str
    tags: tuple[str, ...]
    url: str


def tag_titles(lang: str) -> list[tuple[str, str]]:
    """(tag, title) of every tag a product can carry, for the editor's check boxes."""
    return [(tag, title.get(lang)) for tag, title in catalogue_tags().items()]


def check_url(url: str) -> str:
    """An absolute http(s) link with a host, no spaces or control characters; 400 otherwise."""
    url = url.strip()
    if not url or len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise AppError(400, "error.product_url", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise AppError(400, "error.product_url", field="url") from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise AppError(400, "error.product_url", field="url")
    return url


def check(inp: ProductInput) -> ProductInput:
    """The cleaned input; 400 naming the first bad field."""
    name, brand = inp.name.strip(), inp.brand.strip()
    if not name or len(name) > MAX_NAME:
        raise AppError(400, "error.product_name", field="name", max=MAX_NAME)
    if not brand or len(brand) > MAX_BRAND:
        raise AppError(400, "error.product_brand", field="brand", max=MAX_BRAND)
    known = catalogue_tags()
    tags = tuple(dict.fromkeys(t.strip() for t in inp.tags if t.strip()))
    if not tags:
        raise AppError(400, "error.product_tags", field="tags")
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise AppError(400, "error.product_tag_unknown", field="tags", tag=unknown[0][:40])
    return ProductInput(name, brand, tags, check_url(inp.url))


def list_products(db: Session, admin: User) -> list[CareProduct]:
    require_role(admin, "admin")
    return list(db.scalars(select(CareProduct).order_by(CareProduct.name, CareProduct.id)))


def get_product(db: Session, admin: User, product_id: int) -> CareProduct:
    require_role(admin, "admin")
    row = db.get(CareProduct, product_id)
    if row is None:
        raise not_found()
    return row


def create_product(db: Session, admin: User, inp: ProductInput) -> CareProduct:
    require_role(admin, "admin")
    clean = check(inp)
    row = CareProduct(name=clean.name, brand=clean.brand, tags=list(clean.tags), url=clean.url)
    db.add(row)
    db.flush()
    audit.record(db, admin, "create_product", detail=f"#{row.id} {clean.name}")
    db.commit()
    return row


def update_product(db: Session, admin: User, product_id: int, inp: ProductInput) -> CareProduct:
    row = get_product(db, admin, product_id)
    clean = check(inp)
    row.name, row.brand, row.tags, row.url = clean.name, clean.brand, list(clean.tags), clean.url
    audit.record(db, admin, "update_product", detail=f"#{row.id} {clean.name}")
    db.commit()
    return row


def delete_product(db: Session, admin: User, product_id: int) -> None:
    row = get_product(db, admin, product_id)
    audit.record(db, admin, "delete_product", detail=f"#{row.id} {row.name}")
    db.delete(row)
    db.commit()


def add_samples(db: Session, admin: User) -> int:
    """Add the bundled SAMPLE products (fictional, example.org links) once; the number added."""
    require_role(admin, "admin")
    items: list[dict[str, Any]] = json.loads(SAMPLE_PRODUCTS_JSON.read_text(encoding="utf-8"))["products"]
    have = {(p.name, p.brand) for p in db.scalars(select(CareProduct))}
    added = 0
    for item in items:
        clean = check(ProductInput(item["name"], item["brand"], tuple(item["tags"]), item["url"]))
        if (clean.name, clean.brand) in have:
            continue
        db.add(CareProduct(name=clean.name, brand=clean.brand, tags=list(clean.tags), url=clean.url))
        added += 1
    audit.record(db, admin, "add_sample_products", detail=f"{added} products")
    db.commit()
    return added


def matched(db: Session, tags: Sequence[str], lang: str, limit: int = MAX_SHOWN) -> list[dict[str, Any]]:
    """Products tagged with any of ``tags`` (a result's, best first): those of the first tag first, then
    by name; each with the titles of the tags it shares with the result."""
    if not tags:
        return []
    rank = {t: i for i, t in enumerate(dict.fromkeys(tags))}
    titles = dict(tag_titles(lang))
    found = []
    for row in db.scalars(select(CareProduct).order_by(CareProduct.name, CareProduct.id)):
        shared = [t for t in row.tags or [] if t in rank]
        if shared:
            best = min(rank[t] for t in shared)
            found.append((best, row, sorted(shared, key=rank.__getitem__)))
    found.sort(key=lambda item: item[0])
    return [
        {
            "id": row.id,
            "name": row.name,
            "brand": row.brand,
            "url": row.url,
            "tags": [titles.get(t, t) for t in shared],
        }
        for _, row, shared in found[:limit]
    ]


def result_tags(derived: Iterable[Any]) -> list[str]:
    """The catalogue tags of a result's derived results, in order."""
    return [tag for d in derived for tag in getattr(d, "tags", ())]

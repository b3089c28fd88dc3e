"""JSON API under /api/v1 (bearer-token auth)."""

from fastapi import APIRouter

from medlens.web.routers.api import admin, auth, care, cases, clinician, risk

router = APIRouter()
for _module in (auth, cases, clinician, admin, care, risk):
    router.include_router(_module.router)

"""Server-rendered pages (session cookie auth, CSRF token on every form POST)."""

from fastapi import APIRouter

from medlens.web.routers.pages import (
    account,
    admin,
    admin_catalog,
    admin_models,
    auth,
    care,
    clinician,
    notices,
    patient,
    risk,
)

router = APIRouter(include_in_schema=False)
for _module in (auth, account, patient, clinician, notices, admin, admin_catalog, admin_models, care, risk):
    router.include_router(_module.router)

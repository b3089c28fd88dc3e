"""JSON API under /api/v1 (bearer-token auth)."""

from fastapi import APIRouter

from medlens.web.routers.api import (
    account,
    admin,
    admin_models,
    auth,
    care,
    cases,
    clinician,
    lesions,
    notices,
    risk,
)
from medlens.web.schemas import ErrorOut

# Every operation documents the error bodies the app can send (all ErrorOut): 401/403 (auth), 404 (unknown
# or out-of-range ids), 413 (the early body-size check), 422 (validation), 429 (login throttling) and
# the service's own 4xx (400 bad input, 409, 415) and 503 (no model).
ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
router = APIRouter(responses={code: {"model": ErrorOut} for code in ERRORS})
for _module in (auth, account, cases, lesions, clinician, notices, admin, admin_models, care, risk):
    router.include_router(_module.router)

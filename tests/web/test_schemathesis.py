"""Issue 11, finding 3: schemathesis against the live ASGI app (the published OpenAPI schema of /api/v1),
with bounded examples per operation, positive and negative data, as an admin with one stored case.
Must find 0 server errors and 0 schema violations (status codes, content types, response bodies)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import photo_bytes, upload

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# examples per operation and mode; MEDLENS_SCHEMATHESIS_EXAMPLES raises it for a longer local run
EXAMPLES = int(os.environ.get("MEDLENS_SCHEMATHESIS_EXAMPLES", "15"))


def run_schemathesis(app, headers: dict[str, str], examples: int) -> tuple[int, list[str]]:
    """Call every operation with ``examples`` generated cases per mode; (calls made, failure messages)."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def probe(case) -> None:  # type: ignore[no-untyped-def]
                nonlocal calls
                calls += 1
                try:
                    response = case.call(headers=headers)
                except Exception as exc:  # the app raised instead of answering: a 500 behind a server
                    failures.append(f"{case.operation.label} -> exception {exc!r}"[:600])
                    return
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:  # schemathesis failures (one, or a group)
                    failures.append(f"{case.operation.label} -> {response.status_code}: {exc}"[:600])

            try:
                probe()
            except Unsatisfiable:  # no invalid data exists (an operation without parameters)
                continue
    return calls, failures


def test_schemathesis_finds_no_server_errors_or_schema_violations(risk_client):
    """risk_client: the app with the test image bundles and the real COVID-19 risk model."""
    from medlens.web.services.users import create_user

    from .conftest import PASSWORD, Account

    tokens = {}
    with risk_client.app.state.medlens.session_factory() as db:
        for role in ("admin", "patient"):
            user = create_user(db, f"{role}@example.org", PASSWORD, role, role)
            r = risk_client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
            tokens[role] = Account(user.id, user.email, role, r.json()["access_token"])
    assert upload(risk_client, tokens["patient"], photo_bytes()).status_code == 201  # so that ids can exist
    calls, failures = run_schemathesis(risk_client.app, tokens["admin"].auth, EXAMPLES)
    assert calls > 100
    assert failures == [], "\n".join(failures[:20])

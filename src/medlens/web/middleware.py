"""Plain ASGI middleware (no ``BaseHTTPMiddleware``: it copies every body through a memory stream and
costs about a millisecond a request): oversize bodies, preference cookies, security and cache headers."""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medlens.web.i18n import LANG_COOKIE, LANGUAGES, negotiate, translate
from medlens.web.rendering import LARGE_COOKIE

REQUEST_OVERHEAD = 256 * 1024  # multipart framing + form fields beyond the file itself
YEAR = 365 * 86400
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
CSP = (
    "default-src 'self'; img-src 'self' data:{img}; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class PreferencesAndHeaders:
    """Refuse bodies over the upload limit by ``Content-Length`` (413 in the user's language, before any
    parsing); remember ``?lang=`` / ``?large=`` in cookies; add security headers, ``Cache-Control: no-store``
    (all but /static/) and the app's own time (``Server-Timing: app;dur=…``) to every response, the early
    413 included."""

    def __init__(
        self,
        app: ASGIApp,
        max_upload_bytes: int,
        default_language: str,
        api_prefix: str = "/api/v1",
        img_origin: str = "",
    ) -> None:
        """``img_origin``: one more origin pages may load images from (the map's tile server)."""
        self.app = app
        self.csp = CSP.format(img=f" {img_origin}" if img_origin else "")
        self.max_body = max_upload_bytes + REQUEST_OVERHEAD
        self.max_mb = max_upload_bytes // (1024 * 1024)
        self.default_language = default_language
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        cookies = self._preference_cookies(request)
        csp = not path.startswith(f"{self.api_prefix}/docs")
        # everything but the static assets may carry patient data (pages, JSON, images, PDFs): never
        # stored by a browser or proxy cache
        no_store = not path.startswith("/static/")
        # over HTTPS (directly, or behind a proxy that uvicorn trusts for X-Forwarded-Proto) every cookie
        # is Secure whatever the setting; plain HTTP (a local `make run`) keeps working
        secure = scope.get("scheme") == "https"
        started = time.perf_counter()
        scope.setdefault("state", {})["started"] = started  # request.state.started: routes time their stages

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # whole time in the app (after the HTTP parser, before the body is sent), beside the
                # route's own stages
                app_ms = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
                stages = headers.get("server-timing")
                headers["server-timing"] = f"{stages}, {app_ms}" if stages else app_ms
                for value in cookies:
                    headers.append("set-cookie", value)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
                if csp:
                    headers.setdefault("content-security-policy", self.csp)
                if no_store:
                    headers["cache-control"] = "no-store"
                if secure:
                    _mark_cookies_secure(headers)
            await send(message)

        received = 0

        async def receive_limited() -> Message:
            # a body sent without Content-Length (chunked) is counted as it arrives: past the limit the
            # request ends in a 413 before the multipart parser has spooled the rest to disk
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413)
            return message

        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            # refused before any parsing, but with the same headers as every other response
            await self._too_large(request)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive_limited, send_with_headers)

    def _too_large(self, request: Request) -> Response:
        lang = negotiate(request, self.default_language)
        message = translate(lang, "error.too_large", mb=self.max_mb)
        if request.url.path.startswith(self.api_prefix):
            return JSONResponse({"detail": message, "code": "error.too_large"}, status_code=413)
        return HTMLResponse(
            f'<!doctype html><html lang="{lang}"><body><p role="alert">{message}</p>'
            '<p><a href="/">medlens</a></p></body></html>',
            status_code=413,
        )

    @staticmethod
    def _preference_cookies(request: Request) -> list[str]:
        """``Set-Cookie`` values for the preferences chosen in this request's query string."""
        chosen, large = request.query_params.get("lang"), request.query_params.get("large")
        if chosen not in LANGUAGES and large not in ("0", "1"):
            return []
        carrier = Response()
        if chosen in LANGUAGES:
            carrier.set_cookie(LANG_COOKIE, chosen, max_age=YEAR, samesite="lax", httponly=True)
        if large in ("0", "1"):
            carrier.set_cookie(LARGE_COOKIE, large, max_age=YEAR, samesite="lax", httponly=True)
        return [v.decode("latin-1") for k, v in carrier.raw_headers if k == b"set-cookie"]


def _mark_cookies_secure(headers: MutableHeaders) -> None:
    """Add ``Secure`` to every ``Set-Cookie`` of a response that lacks it."""
    headers.raw[:] = [
        (k, v + b"; secure") if k == b"set-cookie" and b"secure" not in v.lower() else (k, v)
        for k, v in headers.raw
    ]

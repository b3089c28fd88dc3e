"""The app as ``medlens serve`` runs it, built by a factory that uvicorn imports in each worker process
(``uvicorn.run("medlens.web.server:server_app", factory=True, workers=N)``: an app object cannot be
handed to several processes).

Each worker builds its own engine, models and decode budget from the same settings (environment and
``.env``; ``medlens serve`` passes its command-line choices on as ``MEDLENS_*`` variables) and reads
the same signing key (``MEDLENS_SECRET_KEY`` or the data directory's key file). Everything shared lives
in the database (accounts, sessions, login throttling, cases) and the file store, so any worker can
answer any request.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

OPENCV_THREADS_ENV = "MEDLENS_SERVE_OPENCV_THREADS"


def server_app() -> FastAPI:
    """One worker's app: sequential OpenCV, capped malloc arenas, the start-up heap frozen out of GC."""
    from medlens.config import get_settings
    from medlens.serving.runtime import configure_serving_threads
    from medlens.web.app import create_app
    from medlens.web.malloc import limit_arenas

    configure_serving_threads(int(os.environ.get(OPENCV_THREADS_ENV, "0")))
    limit_arenas()
    return create_app(get_settings(), freeze_gc=True)

"""Settings, read from the environment (prefix MEDLENS_). Built by get_settings(), never at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_data_root() -> Path:
    """Where the shared real data lives: ``../shared/data`` beside the project checkout."""
    return PROJECT_ROOT.parent / "shared" / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDLENS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/medlens.db"
    data_dir: Path = Path("var")  # uploads, exports
    models_dir: Path = PROJECT_ROOT / "models"
    # empty: a random key generated on first start into data_dir/secret_key (see medlens.web.secret_key)
    secret_key: str = ""
    dev: bool = False  # explicit development mode: accepts a known/short secret key (never in production)
    cookie_secure: bool = False  # always mark the session cookie Secure (it already is on HTTPS requests)
    max_upload_bytes: int = 15 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    decode_budget_mb: int = 0  # memory for concurrent image decodes per process; 0 = auto (decode_budget.py)
    default_language: str = "ko"
    # days a case (its result, replies and image files) is kept; `medlens db purge-expired` deletes older
    # ones (run it daily). 0 keeps cases until the patient deletes them or their account.
    retention_days: int = Field(default=0, ge=0)
    clinics_csv: Path | None = None
    # a submitted case unanswered for longer than this is "overdue": `medlens notify overdue` (run it
    # hourly, e.g. from cron) tells every clinician once per case, in the app and by e-mail
    review_wait_hours: float = Field(default=48.0, gt=0)
    # e-mail notices (a clinician replied; a case waits too long): off while smtp_host is empty. The
    # messages say only that there is something new and where to log in, never a health detail.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = "medlens <no-reply@localhost>"
    smtp_starttls: bool = True  # upgrade the connection with STARTTLS before logging in (port 587)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = Field(default=10.0, gt=0)
    public_url: str = ""  # the site's address for links in e-mails, e.g. https://medlens.example.org
    catalog_json: Path | None = None
    # the clinic map's tile server, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (mind its usage
    # policy); empty: no tiles, the markers and the list still work offline
    map_tile_url: str = ""
    map_tile_attribution: str = ""  # shown on the map, e.g. "© OpenStreetMap contributors"
    # model registry (medlens retrain): a candidate is promoted only if, for accuracy and AUROC, the
    # lower end of the 95% paired-bootstrap CI of (candidate - served) on the served model's test split
    # is >= -promote_margin (medlens.retrain.compare); the margin used is stored with each comparison
    promote_margin: float = Field(default=0.02, ge=0, le=1)
    # the web service's built-in schedule (medlens.web.services.scheduler): every this many minutes it
    # runs the periodic jobs (notify overdue, notify reminders, purge-expired when retention_days is set),
    # each once across all worker processes; 0 turns it off (then run the CLI commands from cron)
    jobs_every_minutes: float = Field(default=60.0, ge=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""SQLAlchemy 2 tables: users, lesions, cases, replies, notices, audit_log, auth_sessions, login_throttle,
care_products, clinics, model_versions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("patient", "clinician", "admin")
STATUSES = ("new", "in_review", "answered")
# ids are 32-bit INTEGER columns on PostgreSQL (64-bit on SQLite): an id outside 1..MAX_ID cannot exist
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="patient")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # the privacy notice accepted at sign-up (None: an account made by an admin or before consent existed)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Lesion(Base):
    """A skin lesion a patient follows over time: where it is (``body_site``, a code of
    :data:`medlens.web.services.lesions.LESION_SITES`), an optional nickname, and an optional date for the
    next photo (``next_check``; ``reminded_for`` is the date a reminder was last given for, so each date
    is reminded once). Its photos are the cases whose ``lesion_id`` points here."""

    __tablename__ = "lesions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    body_site: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_check: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    reminded_for: Mapped[date | None] = mapped_column(Date, nullable=True)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    task: Mapped[str] = mapped_column(String(64), index=True)
    sex: Mapped[str] = mapped_column(String(16), default="unknown")
    age_group: Mapped[str] = mapped_column(String(16), default="unknown")
    body_site: Mapped[str] = mapped_column(String(64), default="")
    symptom_onset: Mapped[str] = mapped_column(String(32), default="")
    onset_hours: Mapped[float | None] = mapped_column(Float, nullable=True)  # hours since onset, at upload
    # a time-critical screen-positive (TaskSpec.urgent_window_hours): when its window closes
    urgent_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    image_sha256: Mapped[str] = mapped_column(String(64))
    heatmap_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prediction: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    predicted_label: Mapped[str] = mapped_column(String(64), default="")
    model_name: Mapped[str] = mapped_column(String(128))
    model_version: Mapped[str] = mapped_column(String(32))
    risk: Mapped[str] = mapped_column(String(16), default="")
    uncertainty: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    feedback_label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # the client's Idempotency-Key (API) or the upload form's own token: a retry returns this case
    idempotency_key: Mapped[str | None] = mapped_column(String(160), nullable=True)
    # what the patient wrote for the clinician when sending the case (escaped wherever it is shown)
    patient_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the lesion this photo follows (several photos of one lesion over time), if the patient linked one
    lesion_id: Mapped[int | None] = mapped_column(ForeignKey("lesions.id"), nullable=True, index=True)

    __table_args__ = (Index("ux_cases_owner_idempotency", "owner_id", "idempotency_key", unique=True),)

    owner: Mapped[User] = relationship()
    replies: Mapped[list[Reply]] = relationship(back_populates="case", order_by="Reply.created_at")


class Reply(Base):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="replies")
    author: Mapped[User] = relationship()


class Notice(Base):
    """An in-app notice for one user (only ever shown to them): ``kind`` names the event (``reply``: a
    clinician answered the user's case; ``overdue``: a submitted case waited longer than the review-wait
    setting), ``params`` its numbers; the text is written in the reader's language when shown."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_notices_user_read", "user_id", "read_at"),)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship()


class AuthSession(Base):
    """A server-side login: a web session (cookie) or an API token. Only the sha256 of its random token is
    stored; revoking sets ``revoked_at`` (logout, password change, admin action, deactivation)."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # "web" | "api"
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LoginThrottle(Base):
    """Failed logins per key (``acct:<e-mail>`` or ``ip:<address>``), shared by every worker process."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CareProduct(Base):
    """A care product in the admin-edited catalogue, shown as a link on results whose derived type it is
    tagged with (``tags``: names from ``medlens.tasks.derived.catalogue_tags``). Never a treatment."""

    __tablename__ = "care_products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(120))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ClinicEntry(Base):
    """A clinic of the directory an admin imported from CSV (replaced as a whole, in one transaction).
    No rows: the app shows the bundled SAMPLE list or the operator's ``MEDLENS_CLINICS_CSV``."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(40), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    departments: Mapped[str] = mapped_column(String(200), default="")  # ";"-joined department keys
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class JobRun(Base):
    """When a periodic job (:mod:`medlens.web.services.scheduler`) last ran in any server process, and
    what it did; a process claims a run by moving ``last_run`` forward in one conditional UPDATE."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_result: Mapped[str] = mapped_column(String(300), default="", server_default="")


MODEL_STATUSES = ("candidate", "active", "retired", "rolled_back")


class ModelVersion(Base):
    """One version of a served image model in the registry: its bundle folder (+ weights sha256), where
    it came from (parent version, confirmed-case dataset version), its test metrics, its comparison
    with the version that was active (paired bootstrap, see ``medlens.retrain.compare``) and its status:
    ``candidate`` (trained, not served), ``active`` (served; one per model), ``retired`` (replaced by a
    promotion) or ``rolled_back`` (taken back). ``previous_version``: the version it replaced, which a
    roll-back serves again."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(128))
    task: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    card_version: Mapped[str] = mapped_column(String(32), default="")
    bundle_dir: Mapped[str] = mapped_column(String(1000))
    weights_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    parent_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    previous_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dataset_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dataset_sha256: Mapped[str] = mapped_column(String(64), default="")
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comparison: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    promoted_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ux_model_versions_model_version", "model", "version", unique=True),)

"""medlens.db: tables, session factory, packaged Alembic migrations."""

from medlens.db.migrate import downgrade, upgrade_to_head
from medlens.db.session import make_engine, make_session_factory
from medlens.db.tables import (
    ROLES,
    STATUSES,
    AuditLog,
    AuthSession,
    Base,
    CareProduct,
    Case,
    ClinicEntry,
    JobRun,
    Lesion,
    LoginThrottle,
    ModelVersion,
    Notice,
    Reply,
    User,
)

__all__ = [
    "ROLES",
    "STATUSES",
    "AuditLog",
    "AuthSession",
    "Base",
    "CareProduct",
    "Case",
    "ClinicEntry",
    "JobRun",
    "Lesion",
    "LoginThrottle",
    "ModelVersion",
    "Notice",
    "Reply",
    "User",
    "downgrade",
    "make_engine",
    "make_session_factory",
    "upgrade_to_head",
]

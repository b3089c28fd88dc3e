"""Pydantic schemas of the JSON API (separate from the DB tables)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _as_utc(value: datetime) -> datetime:
    """The database stores naive UTC times; the API always says so (``...+00:00``)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class FieldErrorOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every 4xx/5xx body of the JSON API."""

    detail: str
    code: str | None = None
    field: str | None = None
    errors: list[FieldErrorOut] | None = None


class AccountIn(BaseModel):
    email: str = Field(max_length=255)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(default="", max_length=120)


class SignupIn(AccountIn):
    consent: bool = Field(
        default=False,
        description="The privacy notice (GET /privacy) was shown and accepted: required (400 without it)",
    )


class SignupOut(BaseModel):
    """The same answer whether or not the e-mail was registered already (no account enumeration)."""

    detail: str


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PrivacySectionOut(BaseModel):
    name: str
    title: str
    body: str


class PrivacyOut(BaseModel):
    """The privacy notice a patient accepts at sign-up (``SignupIn.consent``)."""

    title: str
    version: str
    retention_days: int | None = Field(description="Days a case is kept; null: until deleted")
    sections: list[PrivacySectionOut]
    language: str


class AccountDeleteIn(BaseModel):
    password: str = Field(min_length=1, max_length=256, description="The account's password, entered again")
    confirm: bool = Field(default=False, description="Must be true: the deletion cannot be undone")


class AccountDeletedOut(BaseModel):
    deleted: bool
    cases: int
    files: int


class RevokedOut(BaseModel):
    revoked: int


class UserCreateIn(AccountIn):
    role: str = Field(default="clinician", pattern="^(patient|clinician|admin)$")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: str
    active: bool
    created_at: UtcDatetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class TaskOut(BaseModel):
    name: str
    title: str
    classes: list[str]
    modality: str
    photo_guide: str | None
    model_name: str
    model_version: str
    accepts_dicom: bool


class ProbabilityOut(BaseModel):
    name: str
    title: str
    p: float


class ReplyOut(BaseModel):
    author: str
    body: str
    at: UtcDatetime


class CaseOut(BaseModel):
    id: int
    task: str
    task_title: str
    label: str
    label_title: str
    probabilities: list[ProbabilityOut]
    heads: list[dict[str, Any]]
    target_class: str | None
    target_probability: float | None
    threshold: float | None
    ood: bool
    risk: str | None
    risk_label: str | None  # the one message: model, conformal set, photo checks and ABCD combined
    advice: str | None
    abstain: bool = False  # no verdict: the set holds several classes or the photo raises doubt -> refer
    review_reasons: list[str] = Field(default_factory=list)  # why a clinician should look
    prediction_set: list[str] | None = None  # conformal set: classes the model cannot rule out
    waiting_hours: float | None = None  # submitted and not yet answered: hours waited so far
    patient_note: str | None = None  # what the patient wrote for the clinician when sending the case
    lesion_id: int | None = None  # the lesion this photo follows (several photos of one lesion over time)
    model_name: str
    model_version: str
    model_ms: float | None = None
    status: str
    submitted: bool
    feedback_label: str | None
    sex: str
    age_group: str
    body_site: str
    symptom_onset: str
    onset_hours: float | None = None
    urgent: bool = False  # a screen-positive inside the task's treatment window (e.g. zoster, 72 h)
    urgent_hours_left: float | None = None
    urgent_text: str | None = None
    created_at: UtcDatetime
    has_heatmap: bool
    quality: dict[str, Any] | None = None
    lesion: dict[str, Any] | None = None
    lesion_pending: bool = False  # ABCD features still being computed (right after an upload)
    replies: list[ReplyOut]
    disclaimer: str
    image_url: str
    heatmap_url: str | None
    report_url: str


class SubmitIn(BaseModel):
    note: str | None = Field(
        default=None,
        max_length=1000,
        description="An optional note for the clinician (at most 1000 characters)",
    )


class LesionOut(BaseModel):
    id: int
    body_site: str  # a code of GET /lesions/sites (HAM10000's localizations)
    label: str
    created_at: UtcDatetime
    next_check: date | None = None  # the owner's date for the next photo
    last_photo_at: UtcDatetime | None = None
    n_photos: int = 0


class NextCheckIn(BaseModel):
    next_check: str = Field(
        default="",
        max_length=32,
        description="YYYY-MM-DD (today up to about three years ahead); '' clears it",
    )


class NoticeOut(BaseModel):
    id: int
    kind: str  # "reply": a clinician answered your case; "overdue": a case waits longer than the setting
    case_id: int | None
    text: str
    created_at: UtcDatetime
    read: bool


class NoticesOut(BaseModel):
    unread: int
    notices: list[NoticeOut]


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)
    feedback_label: str | None = Field(
        default=None,
        description='The verdict, required (422 without it): "agree", another of the task\'s classes (never '
        'the model\'s own label: 400) or "cannot_assess"',
    )


class ClinicOut(BaseModel):
    name: str
    region: str
    address: str
    phone: str
    lat: float
    lon: float
    departments: list[str]
    distance_km: float | None


class ClinicsOut(BaseModel):
    sample_data: bool
    clinics: list[ClinicOut]


class ProductOut(BaseModel):
    """A care product matched to the result's derived type: a link, never a treatment."""

    id: int
    name: str
    brand: str
    url: str
    tags: list[str] = Field(description="Titles of the result's types the product is tagged with")


class CareOut(BaseModel):
    sample_data: bool
    suggestions: list[dict[str, Any]]
    clinics: list[ClinicOut]
    products: list[ProductOut] = []


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    user_id: int | None
    case_id: int | None
    action: str
    detail: str
    at: UtcDatetime


class RiskFieldOut(BaseModel):
    name: str
    label: str
    label_ko: str
    title: str  # label in the requested language
    type: str  # integer | choice
    required: bool
    min: int | None = None
    max: int | None = None
    choices: list[str] | None = None
    choice_titles: dict[str, str] | None = None
    default: str | None = None
    hint: str = ""


class RiskSchemaOut(BaseModel):
    model_name: str
    model_version: str
    threshold: float
    operating_point: str
    fields: list[RiskFieldOut]
    data_source: str
    limitations: list[str]
    disclaimer: str


class RiskFactorOut(BaseModel):
    feature: str
    label: str
    value: int | str
    value_label: str
    contribution: float = Field(description="contribution to the log-odds; > 0 raises the risk")
    direction: str  # raises | lowers
    direction_label: str


class RiskOut(BaseModel):
    probability: float
    at_risk: bool
    threshold: float
    level: str  # high | low
    level_label: str
    advice: str
    operating_point: str
    top_factors: list[RiskFactorOut]
    inputs: dict[str, int | str]
    model_name: str
    model_version: str
    data_source: str
    limitations: list[str]
    disclaimer: str
    language: str


class ModelVersionOut(BaseModel):
    """One version of a served model in the registry (see ``medlens.web.services.model_versions``)."""

    model_config = ConfigDict(from_attributes=True, protected_namespaces=())
    model: str
    task: str
    version: int
    card_version: str
    status: str  # candidate | active | retired | rolled_back
    weights_sha256: str
    parent_version: int | None
    previous_version: int | None
    dataset_version: int | None
    metrics: dict[str, Any]
    comparison: dict[str, Any] | None  # paired bootstrap vs the version active when compared
    created_at: UtcDatetime
    promoted_at: UtcDatetime | None


class RetrainStatusOut(BaseModel):
    running: bool
    returncode: int | None
    log: str


class RegistryModelOut(BaseModel):
    model_config = ConfigDict(protected_namespaces=())
    model: str
    task: str
    active_version: int | None
    can_train: bool  # this install has torch (else the CLI command is the way)
    retrain_command: str
    retrain: RetrainStatusOut | None
    versions: list[ModelVersionOut]


class DatasetOut(BaseModel):
    model_config = ConfigDict(protected_namespaces=())
    model: str
    version: int
    n_images: int
    n_cases: int
    counts: dict[str, int]
    sha256: str
    created_at: str

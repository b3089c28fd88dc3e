"""What an upload asks for besides the image: the task, the patient's details and the lesion it follows,
parsed from the form fields the page and the API share (bad values -> 400)."""

from __future__ import annotations

from dataclasses import dataclass

from medlens.tasks import get_task
from medlens.web.errors import AppError
from medlens.web.services import lesions
from medlens.web.services.urgency import parse_onset_hours
from medlens.web.state import PredictorLike

SEXES = ("female", "male", "other", "unknown")
AGE_GROUPS = ("0-19", "20-39", "40-59", "60-69", "70-79", "80+", "unknown")
ONSETS = ("days", "weeks", "months", "years", "unknown")
BODY_SITES = ("face", "scalp", "neck", "trunk", "back", "arm", "hand", "leg", "foot", "other", "unknown")


@dataclass(frozen=True)
class CaseInput:
    task: str
    sex: str = "unknown"
    age_group: str = "unknown"
    body_site: str = "unknown"
    symptom_onset: str = "unknown"
    onset_hours: float | None = None  # hours since the symptoms began (asked when the task is time-critical)
    lesion: lesions.LesionChoice | None = None  # a new lesion to follow, or the same lesion as before

    @classmethod
    def from_form(
        cls,
        task: str,
        sex: str,
        age_group: str,
        body_site: str,
        symptom_onset: str,
        onset_hours: str,
        lesion: str = "",
        lesion_site: str = "",
        lesion_label: str = "",
        lesion_id: str = "",
    ) -> CaseInput:
        """The upload's form fields (page or API) as parsed input; a bad onset or lesion field -> 400."""
        choice = lesions.parse_choice(lesion, lesion_site, lesion_label, lesion_id)
        return cls(task, sex, age_group, body_site, symptom_onset, parse_onset_hours(onset_hours), choice)

    def validate(self, predictors: dict[str, PredictorLike]) -> None:
        if self.task not in predictors:
            raise AppError(404, "error.unknown_task", task=self.task)
        if self.lesion is not None and not get_task(self.task).modality_info.follow_up:
            raise AppError(400, "error.bad_field", field="lesion")
        for value, allowed, field in (
            (self.sex, SEXES, "sex"),
            (self.age_group, AGE_GROUPS, "age_group"),
            (self.body_site, BODY_SITES, "body_site"),
            (self.symptom_onset, ONSETS, "symptom_onset"),
        ):
            if value not in allowed:
                raise AppError(400, "error.bad_field", field=field)

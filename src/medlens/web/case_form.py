"""The upload form's case fields, declared once for the page (``POST /screen/{task}``) and the API
(``POST /api/v1/cases``): a FastAPI dependency that parses them into :class:`CaseInput`'s arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form

from medlens.web.services.case_input import CaseInput

__all__ = ["CaseFields", "CaseFormFields"]


@dataclass(frozen=True)
class CaseFormFields:
    """Everything of an upload form but the task and the file."""

    sex: str
    age_group: str
    body_site: str
    symptom_onset: str
    onset_hours: str
    lesion: str
    lesion_site: str
    lesion_label: str
    lesion_id: str

    def case_input(self, task: str) -> CaseInput:
        """The parsed input of ``task`` (a bad onset or lesion field raises the 400 here)."""
        return CaseInput.from_form(
            task,
            self.sex,
            self.age_group,
            self.body_site,
            self.symptom_onset,
            self.onset_hours,
            self.lesion,
            self.lesion_site,
            self.lesion_label,
            self.lesion_id,
        )


def _case_form_fields(
    sex: Annotated[str, Form()] = "unknown",
    age_group: Annotated[str, Form()] = "unknown",
    body_site: Annotated[str, Form()] = "unknown",
    symptom_onset: Annotated[str, Form()] = "unknown",
    onset_hours: Annotated[str, Form(description="Hours since the symptoms began (blank: not given)")] = "",
    lesion: Annotated[
        str, Form(description="'' (none), 'new' or 'same' (dermoscopy tasks)", max_length=8)
    ] = "",
    lesion_site: Annotated[
        str, Form(description="Body-site code of a new lesion (GET /api/v1/lesions/sites)", max_length=32)
    ] = "",
    lesion_label: Annotated[str, Form(description="Nickname of a new lesion", max_length=200)] = "",
    lesion_id: Annotated[
        str, Form(description="One of the uploader's own lesions ('same')", max_length=20)
    ] = "",
) -> CaseFormFields:
    return CaseFormFields(
        sex, age_group, body_site, symptom_onset, onset_hours, lesion, lesion_site, lesion_label, lesion_id
    )


CaseFields = Annotated[CaseFormFields, Depends(_case_form_fields)]

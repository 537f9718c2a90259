"""Staff routes for phrase templates (frasmallar): list and search, create, edit, delete.

Templates are the unit's shared phrases or a staff member's own; not patient data (no access log). Idempotency: a
create carries a client-made ``template_id`` (a retry gets the stored template, 200), an edit and a delete the
``version`` they were made on (a retry finds the change made; a change made by someone else in between is 409).
"""

from __future__ import annotations

from datetime import datetime

from chalice.app import Blueprint, Response
from pydantic import Field, StrictInt

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel, Strict
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain import templates
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.templates import UNIT, PhraseTemplate

bp = Blueprint(__name__)


class TemplateVariable(ApiModel):
    name: str = Field(description="Written in a template's text in braces: {förnamn}")
    sv: str = Field(description="What it stands for, in Swedish")
    en: str


class PhraseTemplateView(ApiModel):
    template_id: str
    scope: str = Field(description="unit (shared by the unit's staff) or personal (only the owner's)")
    unit_id: str | None = Field(default=None, description="The unit of a unit template")
    title: str
    text: str = Field(description="May hold variables in braces, filled in when the template is inserted")
    language: str = Field(description="sv or en")
    tags: list[str]
    version: int = Field(description="Send it with an edit or delete; a change made since then is refused (409)")
    updated_at: datetime
    updated_by: str = Field(description="HSA-id of who last changed it")
    updated_by_name: str
    variables: list[str] = Field(description="The variables the text uses")

    @classmethod
    def of(cls, t: PhraseTemplate) -> PhraseTemplateView:
        return cls(
            template_id=t.template_id,
            scope=t.scope,
            unit_id=t.owner if t.scope == UNIT else None,
            title=t.title,
            text=t.text,
            language=t.language,
            tags=list(t.tags),
            version=t.version,
            updated_at=t.updated_at,
            updated_by=t.updated_by,
            updated_by_name=t.updated_by_name,
            variables=templates.variables_in(t.text),
        )


class TemplateList(ApiModel):
    unit_id: str
    templates: list[PhraseTemplateView] = Field(description="The unit's templates and the caller's own, by title")
    variables: list[TemplateVariable] = Field(description="Every variable a template may use")
    values: dict[str, dict[str, str]] = Field(
        description="Per language (sv, en): the values of the variables known without a case, for this unit and "
        "caller ({förnamn} comes from the case)"
    )


class TemplateContent(Strict):
    title: str = Field(description=f"At most {templates.TITLE_MAX} characters")
    text: str = Field(description=f"At most {templates.TEXT_MAX} characters; only the known {{variables}}")
    language: str = Field(default="sv", description="sv or en")
    tags: list[str] = Field(default_factory=list, description=f"At most {templates.TAGS_MAX}, for the search")


class NewTemplate(TemplateContent):
    template_id: str = Field(description="Client-made id (8–64 of A–Z a–z 0–9 - _); a retry never makes a second")
    scope: str = Field(description="unit or personal")
    unit_id: str | None = Field(default=None, description="For a unit template: a unit the caller works at")


class EditTemplate(TemplateContent):
    version: StrictInt = Field(description="The version the edit was made on")


def _catalogue_response(unit_id: str, query: str | None) -> TemplateList:
    catalogue = bootstrap.container().templates.catalogue(http.who(), unit_id, query)
    return TemplateList(
        unit_id=catalogue.unit_id,
        templates=[PhraseTemplateView.of(t) for t in catalogue.templates],
        variables=[TemplateVariable(name=v.name, sv=v.sv, en=v.en) for v in templates.VARIABLES],
        values=catalogue.values,
    )


@operation(
    bp,
    "/staff/templates",
    "GET",
    summary="Phrase templates of a unit and the caller's own, optionally searched; with the variables",
    tag="staff",
    access=Access.STAFF,
    response=TemplateList,
    errors=(404,),
    query=(
        ("unit_id", "a unit the caller works at", True),
        ("q", "search words, matched in title, text and tags (case and accents ignored)", False),
    ),
)
def list_templates() -> Response:
    request = bp.current_request
    unit_id = http.query(request, "unit_id")
    if unit_id is None:
        raise ValidationFailed("Give the unit_id whose templates to list.", field="unit_id")
    return http.respond(_catalogue_response(unit_id, http.query(request, "q")))


@operation(
    bp,
    "/staff/templates",
    "POST",
    summary="Create a phrase template (201; the same create again answers 200 with the stored one)",
    tag="staff",
    access=Access.STAFF,
    request=NewTemplate,
    response=PhraseTemplateView,
    status=201,
    also=(200,),
    errors=(404, 409),
)
def create_template() -> Response:
    body = http.parse_body(NewTemplate, bp.current_request)
    template, created = bootstrap.container().templates.create(
        http.who(),
        template_id=body.template_id,
        scope=body.scope,
        unit_id=body.unit_id,
        title=body.title,
        text=body.text,
        language=body.language,
        tags=body.tags,
    )
    return http.respond(PhraseTemplateView.of(template), status=201 if created else 200)


@operation(
    bp,
    "/staff/templates/{template_id}",
    "PUT",
    summary="Edit a phrase template made on `version` (409 if it changed since)",
    tag="staff",
    access=Access.STAFF,
    request=EditTemplate,
    response=PhraseTemplateView,
    errors=(404, 409),
)
def edit_template(template_id: str) -> Response:
    body = http.parse_body(EditTemplate, bp.current_request)
    template = bootstrap.container().templates.update(
        http.who(),
        template_id,
        version=body.version,
        title=body.title,
        text=body.text,
        language=body.language,
        tags=body.tags,
    )
    return http.respond(PhraseTemplateView.of(template))


@operation(
    bp,
    "/staff/templates/{template_id}",
    "DELETE",
    summary="Delete a phrase template at `version` (409 if it changed since; a retried delete is 204 again)",
    tag="staff",
    access=Access.STAFF,
    status=204,
    errors=(404, 409),
    query=(("version", "the version seen when deleting", True),),
)
def delete_template(template_id: str) -> Response:
    request = bp.current_request
    if http.query(request, "version") is None:
        raise ValidationFailed(
            "Give the version of the template you mean to delete (?version=…).",
            field="version",
            message_sv="Ange vilken version av mallen som ska tas bort.",
        )
    version = http.int_query(request, "version", 0)
    bootstrap.container().templates.delete(http.who(), template_id, version=version)
    return Response(body="", status_code=204)

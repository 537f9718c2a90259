"""Phrase templates (frasmallar): list and search a unit's and one's own, create, edit and delete them.

Templates are not patient data, so reading them is not written to the access log. Scope: a unit's templates are
reached only by staff who work at the unit, a personal template only by its owner (``templates.may_manage``);
anything else is answered as not found. Every change is idempotent: a create carries the client's template id,
an edit or delete the version it was made on — a retry finds the change made and is answered as done.

Every create, edit and delete of a unit's template is recorded on the unit's change history (who, when, the
template's title, and for an edit which parts changed), written in the same transaction as the change, and shown
where the unit's administrators see its other changes. A retry that finds its change made records nothing again.
Personal templates get no history: they are their owner's own, not the unit's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.dynamo import DynamoDirectory, UnitChange
from chalicelib.adapters.templates import DynamoTemplates, Stored
from chalicelib.domain import templates
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.model import Principal
from chalicelib.domain.templates import PERSONAL, UNIT, PhraseTemplate
from chalicelib.services.ports import Clock, IdGenerator

QUERY_MAX = 200
CREATED, EDITED, DELETED = "template_created", "template_edited", "template_deleted"  # on the unit's history


@dataclass(frozen=True)
class Catalogue:
    """What the template picker and the management page show for one unit."""

    unit_id: str
    templates: list[PhraseTemplate]
    values: dict[str, dict[str, str]]  # per language: the variables known without a case (all but {förnamn})


def _not_found() -> NotFound:
    return NotFound(
        "The phrase template could not be found (it may have been deleted).",
        message_sv="Frasmallen finns inte (den kan ha tagits bort).",
    )


def _changed(current: PhraseTemplate) -> Conflict:
    name = current.updated_by_name or current.updated_by
    return Conflict(
        f"The template was changed by {name} after you opened it. Reload it to see that change, then make yours.",
        message_sv=f"Mallen har ändrats av {name} sedan du öppnade den. Läs in den igen och gör sedan din ändring.",
    )


def _require_live(stored: Stored | None) -> PhraseTemplate:
    if stored is None or stored.deleted:
        raise _not_found()
    return stored.template


class TemplateService:
    def __init__(self, store: DynamoTemplates, directory: DynamoDirectory, *, clock: Clock, ids: IdGenerator) -> None:
        self._store = store
        self._directory = directory
        self._clock = clock
        self._ids = ids

    def catalogue(self, principal: Principal, unit_id: str, query: str | None = None) -> Catalogue:
        """The unit's templates and the caller's personal ones (one Query each), those matching ``query`` when
        given, by title; and the values of the variables for this unit and caller."""
        if not templates.may_manage(principal, UNIT, unit_id):
            raise NotFound("There is no such unit among yours.", message_sv="Du arbetar inte på den enheten.")
        query = (query or "").strip()
        if len(query) > QUERY_MAX:
            raise ValidationFailed(
                f"The search is longer than {QUERY_MAX} characters.",
                field="q",
                message_sv=f"Sökningen får vara högst {QUERY_MAX} tecken.",
            )
        found = [
            *self._store.of_owner(principal.tenant, UNIT, unit_id),
            *self._store.of_owner(principal.tenant, PERSONAL, principal.subject),
        ]
        chosen = sorted((t for t in found if t.matches(query)), key=templates.sort_key)
        unit = self._directory.unit(principal.tenant, unit_id) or {}
        return Catalogue(unit_id=unit_id, templates=chosen, values=self.values(principal, unit_id, unit))

    @staticmethod
    def values(principal: Principal, unit_id: str, unit: dict[str, Any]) -> dict[str, dict[str, str]]:
        phone_hours = unit.get("phone_hours") or {}
        order = list(templates.PROFESSION_NAMES)
        held = sorted(
            (p for p in principal.professions_at(unit_id) if p in templates.PROFESSION_NAMES), key=order.index
        )
        return {
            language: {
                "enhet": str(unit.get("name") or ""),
                "telefon": str(unit.get("phone") or ""),
                "telefontid": str(phone_hours.get(language) or phone_hours.get("sv") or ""),
                "mitt_namn": principal.display_name,
                "yrkesroll": templates.profession_names(held, language),
            }
            for language in templates.LANGUAGES
        }

    def create(
        self,
        principal: Principal,
        *,
        template_id: str,
        scope: str,
        unit_id: str | None,
        title: str,
        text: str,
        language: str,
        tags: list[str],
    ) -> tuple[PhraseTemplate, bool]:
        """A new template; (template, created). The same create again (a retry) returns the stored one."""
        if scope == UNIT and not unit_id:
            raise ValidationFailed(
                "A unit template needs the unit_id of the unit it belongs to.",
                field="unit_id",
                message_sv="Välj vilken enhet mallen ska gälla för.",
            )
        owner = (unit_id or "") if scope == UNIT else principal.subject
        wanted = PhraseTemplate.new(
            template_id=template_id,
            tenant=principal.tenant,
            scope=scope,
            owner=owner,
            title=title,
            text=text,
            language=language,
            tags=tags,
            by=principal,
            now=self._clock(),
        )
        if not templates.may_manage(principal, scope, owner):
            raise NotFound("There is no such unit among yours.", message_sv="Du arbetar inte på den enheten.")
        existing = self._locate(principal, template_id)
        if existing is None:
            created = self._store.create(wanted, change=self._change(principal, CREATED, wanted))
            if created is not None:
                return created, True
            existing = self._store.find(principal.tenant, scope, owner, template_id)
        if existing is not None and not existing.deleted and existing.template.same_content(wanted):
            return existing.template, False
        raise Conflict(
            "A phrase template with this template_id exists already; make a new id for a new template.",
            field="template_id",
            message_sv="Det finns redan en frasmall med det här id:t. Skapa mallen på nytt.",
        )

    def update(
        self,
        principal: Principal,
        template_id: str,
        *,
        version: int,
        title: str,
        text: str,
        language: str,
        tags: list[str],
    ) -> PhraseTemplate:
        """The template with new content, if nobody changed it since ``version``. An edit that leaves it as it is
        (a retry of an edit that was made) returns it unchanged."""
        current = _require_live(self._locate(principal, template_id))
        edited = current.edit(title=title, text=text, language=language, tags=tags, by=principal, now=self._clock())
        if current.same_content(edited):
            return current
        if current.version != version:
            raise _changed(current)
        try:
            return self._store.replace(
                dataclasses.replace(edited, version=version), change=self._change(principal, EDITED, edited, current)
            )
        except Conflict:
            again = _require_live(self._locate(principal, template_id))
            if again.same_content(edited):
                return again
            raise _changed(again) from None

    def delete(self, principal: Principal, template_id: str, *, version: int) -> None:
        """Delete the template if nobody changed it since ``version``; deleting it again (a retry) is done."""
        stored = self._locate(principal, template_id)
        if stored is not None and stored.deleted and stored.deleted_version == version:
            return
        current = _require_live(stored)
        if current.version != version:
            raise _changed(current)
        try:
            self._store.delete(current, now=self._clock(), change=self._change(principal, DELETED, current))
        except Conflict:
            again = self._locate(principal, template_id)
            if again is not None and again.deleted and again.deleted_version == version:
                return
            raise _changed(_require_live(again)) from None

    def _change(
        self, principal: Principal, what: str, template: PhraseTemplate, before: PhraseTemplate | None = None
    ) -> UnitChange | None:
        """The entry on the unit's history for a change of one of its templates (None for a personal one): who,
        when, which template by its title, and for an edit which parts changed (and the old title, if it did)."""
        if template.scope != UNIT:
            return None
        changed = templates.changed_parts(before, template) if before is not None else ()
        return UnitChange(
            self._ids(),
            principal.subject,
            principal.display_name,
            self._clock(),
            what,
            changed,
            template_id=template.template_id,
            template_title=template.title,
            template_was=before.title if before is not None and before.title != template.title else None,
        )

    def _locate(self, principal: Principal, template_id: str) -> Stored | None:
        """The template with this id among those the principal may manage: their own, then their units' (a get
        each; nobody else's key is ever built)."""
        if not principal.is_staff or not templates.valid_id(template_id):
            return None
        for scope, owner in [(PERSONAL, principal.subject), *((UNIT, u) for u in sorted(principal.units))]:
            found = self._store.find(principal.tenant, scope, owner, template_id)
            if found is not None:
                return found
        return None

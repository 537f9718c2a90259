"""Phrase templates (frasmallar): ready texts staff insert into a chat reply, with variables filled from the case.

A template belongs to a unit (shared by everyone who works there) or to one staff member (personal). Its text may
hold variables in braces — ``{förnamn}``, ``{enhet}``, ``{telefon}``, ``{telefontid}``, ``{mitt_namn}``,
``{yrkesroll}`` — which :func:`render` fills in; a value that is not known leaves a visible ``[förnamn]`` for the
writer to fill in by hand, never an empty hole. Any other ``{...}`` is refused when the template is saved, naming
the variables that exist. Who may manage which template: :func:`may_manage`.

Pure: only the standard library. The frontend's ``render`` (frontend/staff/templates.js) matches this one.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.model import Principal

UNIT = "unit"
PERSONAL = "personal"
SCOPES = (UNIT, PERSONAL)
LANGUAGES = ("sv", "en")
TITLE_MAX = 80
TEXT_MAX = 2000
TAG_MAX = 30
TAGS_MAX = 10
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A variable is a name in braces: letters (å, ä, ö too), digits and underscores. Other braces are plain text.
VARIABLE = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Variable:
    name: str
    sv: str  # what it stands for, shown to staff
    en: str


VARIABLES: tuple[Variable, ...] = (
    Variable("förnamn", "Patientens förnamn", "The patient's first name"),
    Variable("enhet", "Enhetens namn", "The unit's name"),
    Variable("telefon", "Enhetens telefonnummer", "The unit's phone number"),
    Variable("telefontid", "Enhetens telefontid", "The unit's phone hours"),
    Variable("mitt_namn", "Ditt namn", "Your name"),
    Variable("yrkesroll", "Din yrkesroll", "Your profession"),
)
KNOWN = tuple(v.name for v in VARIABLES)

# Professions as they read inside a sentence ("... och är sjuksköterska på ...").
PROFESSION_NAMES: dict[str, tuple[str, str]] = {
    "nurse": ("sjuksköterska", "nurse"),
    "doctor": ("läkare", "doctor"),
    "psychologist": ("psykolog", "psychologist"),
    "physiotherapist": ("fysioterapeut", "physiotherapist"),
    "midwife": ("barnmorska", "midwife"),
    "medical_secretary": ("medicinsk sekreterare", "medical secretary"),
}


def valid_id(template_id: str) -> bool:
    return bool(_ID.match(template_id or ""))


def variables_in(text: str) -> list[str]:
    """The variable names the text uses, in order of first use."""
    return list(dict.fromkeys(VARIABLE.findall(text)))


def unknown_variables(text: str) -> list[str]:
    return [name for name in variables_in(text) if name not in KNOWN]


def render(text: str, values: Mapping[str, str | None]) -> str:
    """The text with each known variable replaced by its value; a variable without a value becomes ``[name]`` so the
    writer sees what to fill in. One pass: a value that itself contains ``{...}`` is inserted as it is."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in KNOWN:
            return match.group(0)
        value = (values.get(name) or "").strip()
        return value or f"[{name}]"

    return VARIABLE.sub(fill, text)


def profession_names(professions: Iterable[str], language: str) -> str:
    """A staff member's professions as words in a sentence: "sjuksköterska och barnmorska"."""
    index = 0 if language == "sv" else 1
    words = [PROFESSION_NAMES[p][index] for p in professions if p in PROFESSION_NAMES]
    joiner = " och " if language == "sv" else " and "
    return ", ".join(words[:-1]) + joiner + words[-1] if len(words) > 1 else "".join(words)


def fold(text: str) -> str:
    """Text for matching: case- and accent-insensitive ("Förkylning" and "forkylning" match)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class PhraseTemplate:
    """One phrase template. ``owner`` is the unit's HSA-id for a unit template, the staff member's for a personal
    one. ``version`` guards every change (0 until stored)."""

    template_id: str
    tenant: str
    scope: str
    owner: str
    title: str
    text: str
    language: str
    tags: tuple[str, ...]
    updated_at: datetime
    updated_by: str  # HSA-id
    updated_by_name: str = ""
    version: int = 0

    @staticmethod
    def new(
        *,
        template_id: str,
        tenant: str,
        scope: str,
        owner: str,
        title: str,
        text: str,
        language: str,
        tags: Iterable[str],
        by: Principal,
        now: datetime,
    ) -> PhraseTemplate:
        if not valid_id(template_id):
            raise ValidationFailed(
                "template_id must be 8–64 letters, digits, '-' or '_' (a new random id per template, e.g. a UUID).",
                field="template_id",
                message_sv="Mallens id ska vara 8–64 tecken: bokstäver, siffror, '-' eller '_'.",
            )
        if scope not in SCOPES:
            raise ValidationFailed(
                "scope must be 'unit' (shared at the unit) or 'personal' (only yours).",
                field="scope",
                message_sv="Välj om mallen ska gälla hela enheten eller bara dig.",
            )
        title, text, language, cleaned = _content(title=title, text=text, language=language, tags=tags)
        return PhraseTemplate(
            template_id=template_id,
            tenant=tenant,
            scope=scope,
            owner=owner,
            title=title,
            text=text,
            language=language,
            tags=cleaned,
            updated_at=now,
            updated_by=by.subject,
            updated_by_name=by.display_name,
        )

    def edit(
        self, *, title: str, text: str, language: str, tags: Iterable[str], by: Principal, now: datetime
    ) -> PhraseTemplate:
        """The template with new content; scope and owner never change (they decide where it is kept)."""
        title, text, language, cleaned = _content(title=title, text=text, language=language, tags=tags)
        return dataclasses.replace(
            self,
            title=title,
            text=text,
            language=language,
            tags=cleaned,
            updated_at=now,
            updated_by=by.subject,
            updated_by_name=by.display_name,
        )

    def same_content(self, other: PhraseTemplate) -> bool:
        """Whether a request would leave the template as it is (a retried create or edit)."""
        return (self.scope, self.owner, self.title, self.text, self.language, self.tags) == (
            other.scope,
            other.owner,
            other.title,
            other.text,
            other.language,
            other.tags,
        )

    def matches(self, query: str) -> bool:
        """Every word of the query is in the title, the text or a tag (case and accents ignored)."""
        haystack = fold(" ".join((self.title, self.text, *self.tags)))
        return all(word in haystack for word in fold(query).split())


def _content(*, title: str, text: str, language: str, tags: Iterable[str]) -> tuple[str, str, str, tuple[str, ...]]:
    """The content cleaned and checked: (title, text, language, tags)."""
    # NFC: an "ö" typed as o + combining diaeresis is stored (and searched, and matched as {förnamn}) as one "ö"
    title = " ".join(unicodedata.normalize("NFC", title).split())
    if not title:
        raise ValidationFailed(
            "Give the template a title, so it can be found.",
            field="title",
            message_sv="Ge mallen en rubrik så att den går att hitta.",
        )
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            f"The title is {len(title)} characters; at most {TITLE_MAX} are allowed.",
            field="title",
            message_sv=f"Rubriken får vara högst {TITLE_MAX} tecken (nu {len(title)}).",
        )
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    if not text:
        raise ValidationFailed("Write the template's text.", field="text", message_sv="Skriv mallens text.")
    if len(text) > TEXT_MAX:
        raise ValidationFailed(
            f"The text is {len(text)} characters; at most {TEXT_MAX} are allowed.",
            field="text",
            message_sv=f"Texten får vara högst {TEXT_MAX} tecken (nu {len(text)}).",
        )
    unknown = unknown_variables(text)
    if unknown:
        named = ", ".join(f"{{{n}}}" for n in unknown)
        known = ", ".join(f"{{{n}}}" for n in KNOWN)
        raise ValidationFailed(
            f"Unknown variable {named}. The variables are: {known}.",
            field="text",
            message_sv=f"Okänd variabel {named}. De variabler som finns är: {known}.",
        )
    if language not in LANGUAGES:
        raise ValidationFailed(
            "language must be 'sv' or 'en'.", field="language", message_sv="Välj svenska eller engelska."
        )
    return title, text, language, _tags(tags)


def _tags(tags: Iterable[str]) -> tuple[str, ...]:
    cleaned: dict[str, str] = {}
    for raw in tags:
        tag = " ".join(unicodedata.normalize("NFC", str(raw)).split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValidationFailed(
                f"The tag {tag!r} is longer than {TAG_MAX} characters.",
                field="tags",
                message_sv=f"Taggen ”{tag}” är längre än {TAG_MAX} tecken.",
            )
        cleaned.setdefault(tag.casefold(), tag)
    if len(cleaned) > TAGS_MAX:
        raise ValidationFailed(
            f"At most {TAGS_MAX} tags are allowed.", field="tags", message_sv=f"Högst {TAGS_MAX} taggar är tillåtna."
        )
    return tuple(cleaned.values())


CONTENT_PARTS = ("title", "text", "language", "tags")


def changed_parts(before: PhraseTemplate, after: PhraseTemplate) -> tuple[str, ...]:
    """Which parts of a template an edit changed, in the order of ``CONTENT_PARTS`` (the unit's history says so)."""
    return tuple(part for part in CONTENT_PARTS if getattr(before, part) != getattr(after, part))


def may_manage(principal: Principal, scope: str, owner: str) -> bool:
    """Who may see and change a template: a personal one only its owner; a unit one anyone who works at the unit
    (any role). A unit's phrases are the team's shared work, as in most vårdcentraler; each change records who made
    it, and an edit made on an old version is refused, so no one overwrites a colleague's change unseen."""
    if not principal.is_staff:
        return False
    if scope == PERSONAL:
        return owner == principal.subject
    return scope == UNIT and owner in principal.units


def sort_key(template: PhraseTemplate) -> tuple[str, str]:
    return fold(template.title), template.template_id

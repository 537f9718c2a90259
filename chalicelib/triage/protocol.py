"""The protocol file format (YAML, one file per chief complaint) and the self-care advice format, as pydantic models.

Everything here is checked field by field when a file loads; cross-references between fields and files
(rule → question → option, advice ids, test-case answers) are checked in ``validation.py``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from chalicelib.triage.outcome import AnswerValue, Disposition, Priority, Profession
from chalicelib.triage.text import LocalizedText, NonEmptyStr, StrictModel

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
SemVer = Annotated[str, StringConstraints(pattern=r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")]

RESERVED_OPTION_IDS = frozenset({"unknown"})


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("true/false is not an answer here: write yes or no (or an option id)")
    return value


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    FREE_TEXT = "free_text"


CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Condition(StrictModel):
    """A condition over answers. Exactly one shape per node:

    - ``{all: [...]}`` / ``{any: [...]}`` / ``{at_least: N, of: [...]}`` (N of the conditions hold);
    - ``{q: ID, eq: VALUE}`` — the answer equals an option id, yes/no, or a number;
    - ``{q: ID, any_of: [...]}`` — single choice: the answer is one of these; multiple choice: any of these is ticked;
    - ``{q: ID, gt|gte|lt|lte: N}`` — numeric comparison (several combine with "and", e.g. a range);
    - ``{q: ID, unknown: true}`` — the citizen answered "don't know".

    There is deliberately no "not": every condition is monotone, so "don't know" on a red-flag question can be
    treated as matching every test on that question and can never lower urgency.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)

    all_: tuple[Condition, ...] | None = Field(default=None, alias="all")
    any_: tuple[Condition, ...] | None = Field(default=None, alias="any")
    at_least: int | None = Field(default=None, ge=1)
    of: tuple[Condition, ...] | None = None
    q: Id | None = None
    eq: Annotated[str | int | float, BeforeValidator(_no_bool)] | None = None
    any_of: tuple[NonEmptyStr, ...] | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    unknown: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        numeric = [v for v in (self.gt, self.gte, self.lt, self.lte) if v is not None]
        atom_ops = [
            name
            for name, present in (
                ("eq", self.eq is not None),
                ("any_of", self.any_of is not None),
                ("gt/gte/lt/lte", bool(numeric)),
                ("unknown", self.unknown is not None),
            )
            if present
        ]
        combinators = [
            name
            for name, present in (
                ("all", self.all_ is not None),
                ("any", self.any_ is not None),
                ("at_least/of", self.at_least is not None or self.of is not None),
            )
            if present
        ]
        if len(combinators) + (1 if self.q is not None or atom_ops else 0) != 1:
            raise ValueError(
                "a condition is exactly one of: {all: [...]}, {any: [...]}, {at_least: N, of: [...]}, "
                "or {q: question_id, eq|any_of|gt|gte|lt|lte|unknown: ...}"
            )
        if combinators:
            children = self.all_ if self.all_ is not None else self.any_ if self.any_ is not None else self.of
            if not children:
                raise ValueError(f"'{combinators[0]}' needs a non-empty list of conditions")
            if combinators[0] == "at_least/of":
                if self.at_least is None or self.of is None:
                    raise ValueError("'at_least' and 'of' go together")
                if self.at_least > len(self.of):
                    raise ValueError(f"at_least {self.at_least} of {len(self.of)} conditions can never hold")
            return self
        if self.q is None:
            raise ValueError("an answer test needs 'q' (the question id)")
        if len(atom_ops) != 1:
            raise ValueError("an answer test needs exactly one of eq, any_of, gt/gte/lt/lte, unknown")
        if self.any_of is not None and not self.any_of:
            raise ValueError("'any_of' needs at least one value")
        return self

    def children(self) -> tuple[Condition, ...]:
        return self.all_ or self.any_ or self.of or ()

    def refs(self) -> set[str]:
        """Every question id this condition reads."""
        if self.q is not None:
            return {self.q}
        out: set[str] = set()
        for child in self.children():
            out |= child.refs()
        return out


class Option(StrictModel):
    id: Id
    text: LocalizedText
    red_flag: bool = False


class Question(StrictModel):
    id: Id
    kind: QuestionKind
    text: LocalizedText
    help: LocalizedText | None = None
    options: tuple[Option, ...] = ()
    red_flag: bool = False
    show_if: Condition | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = True
    unit: LocalizedText | None = None

    @model_validator(mode="after")
    def _kind_fits(self) -> Self:
        if self.kind in CHOICE_KINDS:
            if len(self.options) < 2:
                raise ValueError(f"a {self.kind} question needs at least two options")
            ids = [o.id for o in self.options]
            if len(set(ids)) != len(ids):
                raise ValueError(f"option ids must be unique, got {ids}")
            if RESERVED_OPTION_IDS & set(ids):
                raise ValueError("'unknown' is reserved: every question already offers it")
            has_red = any(o.red_flag for o in self.options)
            if self.red_flag and not has_red:
                raise ValueError("a red_flag choice question must mark its red-flag option(s) with red_flag: true")
            if has_red and not self.red_flag:
                raise ValueError("red_flag options are only allowed on a question with red_flag: true")
        elif self.options:
            raise ValueError(f"a {self.kind} question has no options (yes_no has the fixed options yes/no)")
        if self.kind is QuestionKind.NUMBER:
            if self.min is None or self.max is None or self.min >= self.max:
                raise ValueError("a number question needs min < max")
            if self.integer and not (float(self.min).is_integer() and float(self.max).is_integer()):
                raise ValueError("an integer question needs whole-number min and max")
        elif self.min is not None or self.max is not None or self.unit is not None:
            raise ValueError("min, max and unit are only for number questions")
        if self.kind is QuestionKind.FREE_TEXT and self.red_flag:
            raise ValueError("a free_text question cannot be red_flag (free text is scanned for red-flag terms)")
        return self

    def option_ids(self) -> tuple[str, ...]:
        if self.kind is QuestionKind.YES_NO:
            return ("yes", "no")
        return tuple(o.id for o in self.options)

    def red_flag_values(self) -> tuple[str, ...]:
        """The answers that are red flags on a red-flag question ("yes", or the marked options)."""
        if not self.red_flag:
            return ()
        if self.kind is QuestionKind.YES_NO:
            return ("yes",)
        return tuple(o.id for o in self.options if o.red_flag)


class OutcomeSpec(StrictModel):
    """What a rule (or the default) decides. Self-care has no priority; P5 is never written in a protocol."""

    priority: Priority | None = None
    disposition: Disposition
    profession: Profession
    advice_id: Id | None = None
    crisis_info: bool = False
    explanation: LocalizedText

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        d = self.disposition
        if self.priority is Priority.P5:
            raise ValueError("P5 is only set when a citizen chooses contact after self-care; do not use it here")
        if d is Disposition.SELF_CARE:
            if self.priority is not None:
                raise ValueError("a self_care outcome has no priority (leave it out)")
            if self.advice_id is None:
                raise ValueError("a self_care outcome needs advice_id")
        else:
            if self.priority is None:
                raise ValueError(f"a {d} outcome needs a priority (P1–P4)")
            if self.advice_id is not None:
                raise ValueError("advice_id is only for self_care outcomes")
        if d is Disposition.EMERGENCY_112 and self.priority is not Priority.P1:
            raise ValueError("emergency_112 is always P1")
        if d is Disposition.EMERGENCY_DEPARTMENT and self.priority not in (Priority.P1, Priority.P2):
            raise ValueError("emergency_department is P1 or P2")
        return self


class Rule(StrictModel):
    id: Id
    red_flag: bool = False
    when: Condition
    outcome: OutcomeSpec

    @model_validator(mode="after")
    def _p1_is_red_flag(self) -> Self:
        if self.outcome.priority is Priority.P1 and not self.red_flag:
            raise ValueError("a rule with a P1 outcome must be marked red_flag: true")
        return self


class ModifierEffect(StrictModel):
    """How a modifier raises urgency: to at least ``at_least``; a self-care outcome stays (keep) or becomes a
    chat with a nurse at ``at_least`` (contact). Modifiers never lower urgency."""

    enabled: bool = True
    at_least: Priority = Priority.P3
    self_care: Literal["keep", "contact"] = "contact"

    @field_validator("at_least")
    @classmethod
    def _p2_to_p4(cls, value: Priority) -> Priority:
        if value not in (Priority.P2, Priority.P3, Priority.P4):
            raise ValueError("a modifier raises to P2, P3 or P4 (P1 belongs in a red-flag rule)")
        return value


class InfantModifier(ModifierEffect):
    at_least: Priority = Priority.P2
    max_age_months: int = Field(default=3, ge=1, le=24)


class ElderlyModifier(ModifierEffect):
    min_age_years: int = Field(default=80, ge=60, le=110)


class QuestionModifier(ModifierEffect):
    """A modifier asked as a yes/no question at the end; ``question`` rewords it for this protocol
    (e.g. "relevant chronic disease" for chest pain, or asking about a child)."""

    question: LocalizedText | None = None


class LowSelfRatedHealthModifier(ModifierEffect):
    max_score: int = Field(default=20, ge=0, le=50)


class Modifiers(StrictModel):
    infant: InfantModifier = InfantModifier()
    elderly: ElderlyModifier = ElderlyModifier()
    pregnancy: ModifierEffect = ModifierEffect()
    immunosuppression: QuestionModifier = QuestionModifier()
    chronic_disease: QuestionModifier = QuestionModifier()
    low_self_rated_health: LowSelfRatedHealthModifier = LowSelfRatedHealthModifier()


ALL_SEXES = (Sex.FEMALE, Sex.MALE, Sex.OTHER)


class AppliesTo(StrictModel):
    """Who the protocol is offered to: from ``min_age_months`` up to and including ``max_age_years``."""

    min_age_months: int = Field(default=0, ge=0, le=1440)
    max_age_years: int = Field(default=120, ge=0, le=120)
    sex: tuple[Sex, ...] = ALL_SEXES

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if self.min_age_months > self.max_age_years * 12 + 11:
            raise ValueError("min_age_months is above max_age_years")
        if not self.sex or len(set(self.sex)) != len(self.sex):
            raise ValueError("sex must list each of female/male/other at most once, and at least one")
        return self

    def covers(self, age_in_months: int | None, sex: str | None) -> bool:
        """Unknown age or sex never hides a protocol."""
        if age_in_months is not None and not (self.min_age_months <= age_in_months <= self.max_age_years * 12 + 11):
            return False
        return sex is None or sex in {s.value for s in self.sex}


class Source(StrictModel):
    title: NonEmptyStr
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    publisher: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _url_or_publisher(self) -> Self:
        if self.url is None and self.publisher is None:
            raise ValueError("a source needs a url or a publisher")
        return self


class Synonyms(StrictModel):
    sv: tuple[NonEmptyStr, ...] = ()
    en: tuple[NonEmptyStr, ...] = ()


class Expected(StrictModel):
    priority: Priority | None = None
    disposition: Disposition
    profession: Profession | None = None
    crisis_info: bool | None = None
    decided_by: Id | None = None  # a rule id, or "default"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.priority is None) != (self.disposition is Disposition.SELF_CARE):
            raise ValueError("expect a priority for every disposition except self_care (which has none)")
        return self


class ClinicalTestCase(StrictModel):
    """Answers → expected outcome. Red-flag screen and modifier questions default to "no" and the complaint to
    this protocol; every other question that is asked must have an answer, and every answer must be asked."""

    name: NonEmptyStr
    answers: dict[Id, AnswerValue]
    free_text: NonEmptyStr | None = None
    expected: Expected

    @field_validator("answers", mode="before")
    @classmethod
    def _answers_no_bool(cls, value: object) -> object:
        if isinstance(value, dict):
            for v in value.values():
                _no_bool(v)
        return value


class Protocol(StrictModel):
    id: Id
    version: SemVer
    title: LocalizedText
    synonyms: Synonyms
    applies_to: AppliesTo = AppliesTo()
    sources: tuple[Source, ...] = Field(min_length=1)
    modifiers: Modifiers = Modifiers()
    questions: tuple[Question, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)
    default_outcome: OutcomeSpec
    # At least five, checked by validation.check_protocol. Not in the runtime snapshot (compiled.json): the
    # clinical test cases are for review and CI, and loading them would double the cold start.
    test_cases: tuple[ClinicalTestCase, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def question(self, question_id: str) -> Question | None:
        for q in self.questions:
            if q.id == question_id:
                return q
        return None


class AdviceBody(StrictModel):
    what_to_do: LocalizedText
    what_to_expect: LocalizedText
    seek_care_again: LocalizedText


class AdviceArticle(StrictModel):
    """A self-care article (egenvårdsråd), referenced by ``advice_id``."""

    id: Id
    version: SemVer
    title: LocalizedText
    body: AdviceBody
    sources: tuple[Source, ...] = Field(min_length=1)


def version_tuple(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return (major, minor, patch)

"""Checking and normalising one raw answer for one question (used by the engine and by the protocol validator)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from chalicelib.triage.errors import InvalidAnswer
from chalicelib.triage.outcome import UNKNOWN, AnswerValue
from chalicelib.triage.protocol import Question, QuestionKind
from chalicelib.triage.text import LocalizedText

MAX_FREE_TEXT = 2000

UNKNOWN_WORDS = frozenset({"unknown", "vet ej", "vet inte", "don't know", "dont know", "do not know", "?"})
_YES_WORDS = frozenset({"yes", "ja", "y", "j"})
_NO_WORDS = frozenset({"no", "nej", "n"})


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def normalise_answer(
    question: Question,
    raw: object,
    *,
    options: Sequence[str] | None = None,
    bounds: tuple[float, float] | None = None,
) -> AnswerValue:
    """Return the stored form of ``raw`` or raise ``InvalidAnswer``.

    ``options``/``bounds`` override the question's own (the complaint list and the age-in-months range are
    computed per session).
    """
    qid = question.id
    if isinstance(raw, str) and question.kind is not QuestionKind.FREE_TEXT:
        word = raw.strip().casefold()
        if word in UNKNOWN_WORDS:
            return UNKNOWN
    if raw == UNKNOWN:
        return UNKNOWN
    kind = question.kind
    valid = tuple(options) if options is not None else question.option_ids()
    if kind is QuestionKind.YES_NO:
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        if isinstance(raw, str) and raw.strip().casefold() in _YES_WORDS:
            return "yes"
        if isinstance(raw, str) and raw.strip().casefold() in _NO_WORDS:
            return "no"
        raise InvalidAnswer(qid, LocalizedText(sv="Svara ja, nej eller vet ej.", en="Answer yes, no or don't know."))
    if kind is QuestionKind.SINGLE_CHOICE:
        if isinstance(raw, str) and raw.strip() in valid:
            return raw.strip()
        raise InvalidAnswer(qid, _choose_from(valid))
    if kind is QuestionKind.MULTIPLE_CHOICE:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidAnswer(qid, _choose_from(valid, several=True))
        chosen = {i.strip() for i in items}
        if not chosen <= set(valid):
            raise InvalidAnswer(qid, _choose_from(valid, several=True))
        return [o for o in valid if o in chosen]
    if kind is QuestionKind.NUMBER:
        return _number(question, raw, bounds)
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        if len(text) > MAX_FREE_TEXT:
            raise InvalidAnswer(
                qid,
                LocalizedText(
                    sv=f"Texten får vara högst {MAX_FREE_TEXT} tecken.",
                    en=f"The text may be at most {MAX_FREE_TEXT} characters.",
                ),
            )
        return text
    raise InvalidAnswer(
        qid, LocalizedText(sv="Skriv en kort text eller svara vet ej.", en="Write a short text or answer don't know.")
    )


def _choose_from(valid: Sequence[str], *, several: bool = False) -> LocalizedText:
    listed = ", ".join(valid)
    if several:
        return LocalizedText(
            sv=f"Välj inget, ett eller flera av: {listed} (eller vet ej).",
            en=f"Choose none, one or more of: {listed} (or don't know).",
        )
    return LocalizedText(sv=f"Välj ett av: {listed} (eller vet ej).", en=f"Choose one of: {listed} (or don't know).")


def _number(question: Question, raw: object, bounds: tuple[float, float] | None) -> int | float:
    low, high = bounds if bounds is not None else (question.min or 0.0, question.max or 0.0)
    unit_sv = f" {question.unit.sv}" if question.unit else ""
    unit_en = f" {question.unit.en}" if question.unit else ""
    if question.integer:
        problem = LocalizedText(
            sv=f"Ange ett heltal från {_fmt(low)} till {_fmt(high)}{unit_sv} (eller vet ej).",
            en=f"Enter a whole number from {_fmt(low)} to {_fmt(high)}{unit_en} (or don't know).",
        )
    else:
        problem = LocalizedText(
            sv=f"Ange ett tal från {_fmt(low)} till {_fmt(high)}{unit_sv} (eller vet ej).",
            en=f"Enter a number from {_fmt(low)} to {_fmt(high)}{unit_en} (or don't know).",
        )
    value: float
    if isinstance(raw, bool):
        raise InvalidAnswer(question.id, problem)
    try:
        if isinstance(raw, int | float):
            value = float(raw)
        elif isinstance(raw, str):
            value = float(raw.strip().replace(",", "."))
        else:
            raise InvalidAnswer(question.id, problem)
    except (ValueError, OverflowError):
        raise InvalidAnswer(question.id, problem) from None
    if not math.isfinite(value) or not (low <= value <= high):
        raise InvalidAnswer(question.id, problem)
    if question.integer:
        if not value.is_integer():
            raise InvalidAnswer(question.id, problem)
        return int(value)
    return value

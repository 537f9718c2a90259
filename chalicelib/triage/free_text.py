"""Scanning the citizen's own words for red-flag terms (Swedish and English), with simple negation handling.

Matching is on normalised words (lower case, no diacritics, no apostrophes), phrase by phrase; a pattern ending
in ``*`` matches any word that starts with it (bröstsmärt* → bröstsmärtan, bröstsmärtor), and long words allow one
typo. A hit is *negated* when a negation word ("inte", "ingen", "no", "not", "without", …) stands at most three
words before it in the same clause (clauses end at punctuation and at "men/och/but/and"). Negated hits are
reported to staff but never escalate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chalicelib.triage.outcome import FreeTextFlag
from chalicelib.triage.text import edit_distance, normalise


@dataclass(frozen=True)
class Term:
    category: str
    patterns: tuple[str, ...]  # Swedish and English


# Categories: the global red-flag screen's, plus self_harm. ``suicide`` sets crisis info and escalates to P1.
# fmt: off
TERMS: tuple[Term, ...] = (
    Term("chest_pain", (
        "bröstsmärt*", "ont i bröstet", "ont i bröstkorgen", "tryck över bröstet", "tryck i bröstet",
        "smärta i bröstet", "hjärtinfarkt*",
        "chest pain*", "pain in my chest", "pain in the chest", "chest pressure", "chest tightness", "tight chest",
        "tightness in my chest", "heart attack",
    )),
    Term("breathing", (
        "kan inte andas", "kan jag inte andas", "kan hon inte andas", "kan han inte andas", "kan barnet inte andas",
        "andas inte", "svårt att andas", "svårt att få luft", "får inte luft", "får jag inte luft", "andnöd*",
        "andfådd*", "kvävs", "kvävning*",
        "cant breathe", "cannot breathe", "can not breathe", "unable to breathe", "hard to breathe",
        "difficulty breathing", "trouble breathing", "struggling to breathe", "short of breath",
        "shortness of breath", "breathless*", "choking",
    )),
    Term("consciousness", (
        "svimma*", "svimn*", "medvetslös*", "förvirrad*", "tuppade av", "svårväckt*",
        "fainted", "fainting", "passed out", "unconscious*", "confused", "confusion", "blacked out", "hard to wake",
    )),
    Term("bleeding", (
        "blöder kraftigt", "kraftig blödning", "slutar inte blöda", "blödningen går inte att stoppa", "kräks blod",
        "kräkts blod", "hostar blod", "hostat blod", "blodkräkning*",
        "heavy bleeding", "bleeding heavily", "wont stop bleeding", "bleeding wont stop", "vomiting blood",
        "coughing up blood", "coughing blood",
    )),
    Term("anaphylaxis", (
        "anafylax*", "allergichock*", "svullen tunga", "svullnad i halsen", "svullen i halsen", "svullnar i halsen",
        "anaphyla*", "allergic shock", "swollen tongue", "throat swelling", "throat is swelling", "swollen throat",
    )),
    Term("stroke", (
        "stroke", "slaganfall", "hjärnblödning", "propp i hjärnan", "sned mun", "mungipan hänger",
        "hänger i mungipan", "sluddra*", "kan inte prata", "förlamad*", "förlamning",
        "face drooping", "drooping face", "slurred speech", "slurring", "cant speak", "cannot speak", "paralys*",
    )),
    Term("sepsis", (
        "sepsis", "blodförgiftning", "utslag som inte bleknar", "marmorerad*",
        "septic", "blood poisoning", "rash that doesnt fade", "non blanching", "nonblanching",
    )),
    Term("suicide", (
        "självmord*", "suicid*", "ta livet av mig", "ta mitt liv", "ta mitt eget liv", "vill dö", "vill inte leva",
        "orkar inte leva", "vill inte vakna", "döda mig själv",
        "kill myself", "killing myself", "end my life", "ending my life", "take my own life", "take my life",
        "want to die", "wanna die", "dont want to live", "better off dead",
    )),
    Term("self_harm", (
        "självskad*", "skada mig själv", "skadar mig själv", "skär mig själv",
        "self harm*", "selfharm*", "harm myself", "harming myself", "cutting myself",
    )),
)
# fmt: on

CRISIS_CATEGORIES = frozenset({"suicide", "self_harm"})
"""Non-negated hits in these categories set ``crisis_info``. ``suicide`` also escalates to P1."""

NEGATIONS = frozenset(
    {
        "inte",
        "ej",
        "ingen",
        "inget",
        "inga",
        "utan",
        "nej",
        "icke",
        "no",
        "not",
        "without",
        "dont",
        "doesnt",
        "didnt",
        "havent",
        "hasnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "none",
        "denies",
        "deny",
        "nor",
        "neither",
    }
)
CLAUSE_WORDS = frozenset({"men", "och", "fast", "dock", "but", "and", "although", "though", "however"})
NEGATION_WINDOW = 3

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_CLAUSE_BREAK = re.compile(r"[.,;:!?\n]")


@dataclass(frozen=True)
class _Token:
    norm: str
    start: int
    end: int
    clause: int


@dataclass(frozen=True)
class _Pattern:
    term: Term
    words: tuple[str, ...]
    prefix: bool  # the last word is a prefix


def _compile(terms: Iterable[Term]) -> tuple[_Pattern, ...]:
    out: list[_Pattern] = []
    for term in terms:
        for pattern in term.patterns:
            prefix = pattern.endswith("*")
            words = tuple(normalise(pattern.rstrip("*")).split())
            out.append(_Pattern(term, words, prefix))
    return tuple(out)


_PATTERNS = _compile(TERMS)


def _index(patterns: Sequence[_Pattern]) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """Which patterns can start at a token. A first word shorter than 8 letters that is not a prefix matches only
    itself, so those patterns are found by the token's word; every other pattern is tried at every token."""
    exact: dict[str, list[int]] = {}
    other: list[int] = []
    for i, pattern in enumerate(patterns):
        first = pattern.words[0]
        if len(first) < 8 and not (pattern.prefix and len(pattern.words) == 1):
            exact.setdefault(first, []).append(i)
        else:
            other.append(i)
    return {word: tuple(found) for word, found in exact.items()}, tuple(other)


_BY_FIRST_WORD, _ALWAYS_TRIED = _index(_PATTERNS)


def _tokenise(text: str) -> list[_Token]:
    out: list[_Token] = []
    clause = 0
    previous_end = 0
    for match in _WORD.finditer(text):
        if _CLAUSE_BREAK.search(text, previous_end, match.start()):
            clause += 1
        for part in normalise(match.group()).split():
            if part in CLAUSE_WORDS:
                clause += 1
            out.append(_Token(part, match.start(), match.end(), clause))
        previous_end = match.end()
    return out


def _word_matches(word: str, pattern_word: str, *, prefix: bool) -> bool:
    if prefix:
        if word.startswith(pattern_word):
            return True
        n = len(pattern_word)
        return n >= 8 and any(edit_distance(word[:k], pattern_word, 1) <= 1 for k in (n - 1, n, n + 1))
    if word == pattern_word:
        return True
    return len(pattern_word) >= 8 and edit_distance(word, pattern_word, 1) <= 1


def _match_at(tokens: Sequence[_Token], i: int, pattern: _Pattern) -> int:
    """Number of tokens matched at position i, or 0."""
    n = len(pattern.words)
    if i + n > len(tokens):
        return 0
    window = tokens[i : i + n]
    if any(t.clause != window[0].clause for t in window):
        return 0
    for k, (token, word) in enumerate(zip(window, pattern.words, strict=True)):
        last = k == n - 1
        if not _word_matches(token.norm, word, prefix=pattern.prefix and last):
            return 0
    return n


def _negated(tokens: Sequence[_Token], i: int) -> bool:
    clause = tokens[i].clause
    for j in range(max(0, i - NEGATION_WINDOW), i):
        if tokens[j].clause == clause and tokens[j].norm in NEGATIONS:
            return True
    return False


def scan_free_text(text: str | None, *, source: str = "context") -> list[FreeTextFlag]:
    """Red-flag terms in ``text``: one flag per category, non-negated if any occurrence is not negated."""
    if not text:
        return []
    tokens = _tokenise(text)
    found: dict[str, FreeTextFlag] = {}
    for i in range(len(tokens)):
        candidates = _BY_FIRST_WORD.get(tokens[i].norm)
        # In pattern order, as if every pattern were tried: the others cannot match here.
        order = sorted(candidates + _ALWAYS_TRIED) if candidates else _ALWAYS_TRIED
        for index in order:
            pattern = _PATTERNS[index]
            n = _match_at(tokens, i, pattern)
            if not n:
                continue
            negated = _negated(tokens, i)
            flag = FreeTextFlag(
                term_id=" ".join(pattern.words) + ("*" if pattern.prefix else ""),
                category=pattern.term.category,
                matched=text[tokens[i].start : tokens[i + n - 1].end],
                negated=negated,
                source=source,
            )
            previous = found.get(pattern.term.category)
            if previous is None or (previous.negated and not negated):
                found[pattern.term.category] = flag
    return sorted(found.values(), key=lambda f: (f.negated, f.category))

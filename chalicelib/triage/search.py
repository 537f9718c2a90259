"""Finding the chief complaint from the citizen's own words, in Swedish or English.

Both the query and each protocol's titles and synonyms are normalised (lower case, no diacritics, so
"brostsmarta" finds "bröstsmärta"), filler words are dropped, and words are compared exactly, as prefixes
(3+ letters), or with typos (edit distance ≤ 1 for 5–7 letters, ≤ 2 from 8 letters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.triage.protocol import Protocol
from chalicelib.triage.text import LocalizedText, edit_distance, fuzzy_limit, normalise

STOP_WORDS = frozenset(
    {
        "jag",
        "har",
        "mig",
        "min",
        "mitt",
        "mina",
        "en",
        "ett",
        "det",
        "som",
        "pa",
        "av",
        "med",
        "sedan",
        "sen",
        "och",
        "i",
        "a",
        "an",
        "the",
        "have",
        "has",
        "my",
        "and",
        "of",
        "with",
        "since",
        "got",
        "am",
        "is",
        "im",
        "ive",
    }
)
MIN_SCORE = 0.5


@dataclass(frozen=True)
class ComplaintMatch:
    protocol_id: str
    title: LocalizedText
    score: float
    matched: str  # the title or synonym that matched best


def _words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in STOP_WORDS]


def _word_score(query_word: str, term_word: str) -> float:
    if query_word == term_word:
        return 1.0
    if len(query_word) >= 3 and term_word.startswith(query_word):
        return 0.8
    limit = fuzzy_limit(term_word)
    if limit and edit_distance(query_word, term_word, limit) <= limit:
        return 0.75
    if len(query_word) >= 8 and len(term_word) >= 5 and term_word in query_word:
        return 0.6  # a compound word containing the term: "halsontet" ⊃ "halsont"
    return 0.0


def _term_score(query: list[str], term: list[str]) -> float:
    if not query or not term:
        return 0.0
    if "".join(query) == "".join(term):
        return 1.0
    best = [max(_word_score(q, t) for t in term) for q in query]
    covered = sum(1 for t in term if any(_word_score(q, t) > 0 for q in query)) / len(term)
    return (sum(best) / len(best)) * (0.5 + 0.5 * covered)


def _terms(protocol: Protocol) -> Iterable[str]:
    yield protocol.title.sv
    yield protocol.title.en
    yield from protocol.synonyms.sv
    yield from protocol.synonyms.en


def search_complaints(protocols: Iterable[Protocol], query: str, *, limit: int = 5) -> list[ComplaintMatch]:
    """Protocols matching ``query``, best first (ties by id); empty when nothing scores at least ``MIN_SCORE``."""
    words = _words(query)
    matches: list[ComplaintMatch] = []
    for protocol in protocols:
        scored = [(_term_score(words, _words(term)), term) for term in _terms(protocol)]
        score, term = max(scored, key=lambda pair: pair[0])
        if score >= MIN_SCORE:
            matches.append(ComplaintMatch(protocol.id, protocol.title, round(score, 3), term))
    matches.sort(key=lambda m: (-m.score, m.protocol_id))
    return matches[:limit]

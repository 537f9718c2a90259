"""Scanning the citizen's own words for red-flag terms, with negation."""

from __future__ import annotations

import pytest

from chalicelib.triage import scan_free_text


def _hits(text: str) -> dict[str, bool]:
    """category → negated"""
    return {f.category: f.negated for f in scan_free_text(text)}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Jag har bröstsmärta sedan i går", "chest_pain"),
        ("brostsmarta", "chest_pain"),
        ("bröstmärta", "chest_pain"),
        ("ont i bröstet när jag går", "chest_pain"),
        ("I have chest pain", "chest_pain"),
        ("kan inte andas", "breathing"),
        ("nu kan jag inte andas", "breathing"),
        ("I can't breathe", "breathing"),
        ("short of breath", "breathing"),
        ("svimmade i duschen", "consciousness"),
        ("I fainted this morning", "consciousness"),
        ("blöder kraftigt från såret", "bleeding"),
        ("svullen tunga efter jordnötter", "anaphylaxis"),
        ("sned mun och sluddrar", "stroke"),
        ("utslag som inte bleknar", "sepsis"),
        ("självmordstankar", "suicide"),
        ("jag vill ta livet av mig", "suicide"),
        ("I want to kill myself", "suicide"),
        ("thinking about suicide", "suicide"),
        ("I don't want to live anymore", "suicide"),
        ("jag skadar mig själv", "self_harm"),
    ],
)
def test_red_flag_terms_are_found(text: str, category: str) -> None:
    assert _hits(text).get(category) is False


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ingen bröstsmärta", "chest_pain"),
        ("Jag har inte haft någon bröstsmärta", "chest_pain"),
        ("inte svårt att andas", "breathing"),
        ("no chest pain", "chest_pain"),
        ("I don't have chest pain", "chest_pain"),
        ("not short of breath", "breathing"),
        ("inga självmordstankar", "suicide"),
        ("without chest pain", "chest_pain"),
    ],
)
def test_negated_terms_are_reported_as_negated(text: str, category: str) -> None:
    assert _hits(text) == {category: True}


def test_negation_does_not_reach_past_a_clause_boundary() -> None:
    hits = _hits("Ingen feber, men bröstsmärta sedan i morse")
    assert hits == {"chest_pain": False}
    hits = _hits("Jag har inte bröstsmärta men kan inte andas")
    assert hits == {"chest_pain": True, "breathing": False}


def test_a_negation_word_inside_the_term_itself_is_not_a_negation() -> None:
    assert _hits("kan inte andas") == {"breathing": False}


def test_a_non_negated_occurrence_wins_over_a_negated_one() -> None:
    assert _hits("Ingen bröstsmärta i går, men i dag bröstsmärta") == {"chest_pain": False}


def test_ordinary_complaints_give_no_flags() -> None:
    assert scan_free_text("Snuva och ont i halsen sedan tre dagar, lite feber") == []
    assert scan_free_text(None) == []


def test_flags_quote_the_citizens_own_words() -> None:
    (flag,) = scan_free_text("Fick BRÖSTSMÄRTA på bussen", source="context")
    assert flag.matched == "BRÖSTSMÄRTA" and flag.source == "context"

"""Finding the chief complaint from the citizen's own words, in Swedish and English, with typos."""

from __future__ import annotations

import pytest

from chalicelib.triage import Library, search_complaints


def _best(library: Library, query: str) -> str | None:
    matches = search_complaints(library.current(), query)
    return matches[0].protocol_id if matches else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("brostsmarta", "chest_pain"),
        ("bröstsmärta", "chest_pain"),
        ("Bröstsmärtor", "chest_pain"),
        ("ont i bröstet", "chest_pain"),
        ("chest pain", "chest_pain"),
        ("halsont", "sore_throat"),
        ("ont i halsen", "sore_throat"),
        ("sore throat", "sore_throat"),
        ("halsfluss", "sore_throat"),
        ("forkylning", "cold"),
        ("förkylning", "cold"),
        ("forkyldning", "cold"),
        ("snuva", "cold"),
        ("runny nose", "cold"),
        ("common cold", "cold"),
        ("urinvägsinfektion", "urinary_symptoms"),
        ("urinvagsinfektion", "urinary_symptoms"),
        ("svider när jag kissar", "urinary_symptoms"),
        ("UVI", "urinary_symptoms"),
        ("cystitis", "urinary_symptoms"),
        ("självmordstankar", "suicidal_thoughts"),
        ("vill inte leva", "suicidal_thoughts"),
        ("suicidal", "suicidal_thoughts"),
        ("feber hos barn", "fever_child"),
        ("child fever", "fever_child"),
    ],
)
def test_search_finds_the_complaint(library: Library, query: str, expected: str) -> None:
    assert _best(library, query) == expected


def test_prefix_of_a_word_finds_the_complaint(library: Library) -> None:
    assert _best(library, "förkyl") == "cold"


def test_nonsense_finds_nothing(library: Library) -> None:
    assert search_complaints(library.current(), "xyzzy qwerty") == []
    assert search_complaints(library.current(), "") == []


def test_short_words_are_not_matched_fuzzily(library: Library) -> None:
    # "hals" must not turn into "halsont" by typo tolerance alone; a prefix is fine, a different word is not.
    assert _best(library, "haks") is None


def test_results_are_ranked_best_first_and_deterministic(library: Library) -> None:
    first = search_complaints(library.current(), "feber")
    assert first == search_complaints(library.current(), "feber")
    assert [m.score for m in first] == sorted((m.score for m in first), reverse=True)

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.personal_number import InvalidPersonalNumber, PersonalNumber, luhn_check_digit

TODAY = date(2026, 11, 25)


def _with_check(first_nine_of_ten: str, *, century: str = "") -> str:
    """YYMMDDNNN -> YYMMDDNNNC with the right check digit (century prepended if given)."""
    return century + first_nine_of_ten + str(luhn_check_digit(first_nine_of_ten))


@pytest.mark.parametrize("text", ["19121212-1212", "191212121212", "121212+1212", " 19121212-1212 "])
def test_every_accepted_form_of_tolvan_gives_the_same_canonical_number(text: str) -> None:
    number = PersonalNumber.parse(text, today=TODAY)
    assert number.canonical == "191212121212"
    assert number.birth_date == date(1912, 12, 12)
    assert not number.is_coordination_number


def test_skatteverkets_example_check_digit() -> None:
    assert luhn_check_digit("811218987") == 6
    assert PersonalNumber.parse("811218-9876", today=TODAY).canonical == "198112189876"


def test_short_form_with_hyphen_means_under_a_hundred() -> None:
    assert PersonalNumber.parse("121212-1212", today=TODAY).birth_date == date(2012, 12, 12)


def test_plus_sign_means_the_person_has_turned_a_hundred() -> None:
    assert PersonalNumber.parse("121212+1212", today=TODAY).birth_date == date(1912, 12, 12)


def test_century_of_the_short_form_depends_on_whether_the_birthday_has_passed() -> None:
    number = _with_check("261231123")  # 31 December '26
    # On 25 November 2026 someone born 2026-12-31 does not exist yet: the hyphen form means 1926.
    assert PersonalNumber.parse(number[:6] + "-" + number[6:], today=TODAY).birth_date == date(1926, 12, 31)
    assert PersonalNumber.parse(number[:6] + "-" + number[6:], today=date(2027, 1, 1)).birth_date == date(2026, 12, 31)
    # and with a plus sign a century earlier: 1826 on 25 November 2026 (1926-12-31 has not turned 100 yet)
    assert PersonalNumber.parse(number[:6] + "+" + number[6:], today=TODAY).birth_date == date(1826, 12, 31)


def test_short_form_without_separator_is_read_as_under_a_hundred() -> None:
    assert PersonalNumber.parse("1212121212", today=TODAY).birth_date == date(2012, 12, 12)


def test_samordningsnummer_has_sixty_added_to_the_day() -> None:
    number = PersonalNumber.parse("701063-2391", today=TODAY)
    assert number.is_coordination_number
    assert number.birth_date == date(1970, 10, 3)
    assert number.canonical == "197010632391"
    assert number.age_on(TODAY) == 56


def test_samordningsnummer_with_an_impossible_day_is_rejected() -> None:
    with pytest.raises(InvalidPersonalNumber, match="does not exist"):
        PersonalNumber.parse(_with_check("700292123", century="19"), today=TODAY)  # 32 February


def test_leap_day_2000_is_valid() -> None:
    number = PersonalNumber.parse(_with_check("000229123", century="20"), today=TODAY)
    assert number.birth_date == date(2000, 2, 29)


def test_leap_day_1900_does_not_exist() -> None:
    with pytest.raises(InvalidPersonalNumber, match="does not exist"):
        PersonalNumber.parse(_with_check("000229123", century="19"), today=TODAY)


def test_short_leap_day_resolves_to_2000_with_hyphen_and_is_invalid_with_plus() -> None:
    short = _with_check("000229123")
    assert PersonalNumber.parse(short[:6] + "-" + short[6:], today=TODAY).birth_date == date(2000, 2, 29)
    with pytest.raises(InvalidPersonalNumber, match="does not exist"):
        PersonalNumber.parse(short[:6] + "+" + short[6:], today=TODAY)  # 1900-02-29


@pytest.mark.parametrize("first_nine", ["901301123", "900100123", "900431123", "230229123"])
def test_dates_that_do_not_exist_are_rejected(first_nine: str) -> None:
    century = "20" if first_nine.startswith("23") else "19"
    with pytest.raises(InvalidPersonalNumber, match="does not exist"):
        PersonalNumber.parse(_with_check(first_nine, century=century), today=TODAY)


def test_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(InvalidPersonalNumber, match="check digit"):
        PersonalNumber.parse("19121212-1213", today=TODAY)


def test_a_birth_date_in_the_future_is_rejected() -> None:
    with pytest.raises(InvalidPersonalNumber, match="future"):
        PersonalNumber.parse(_with_check("270101123", century="20"), today=TODAY)


def test_birth_number_000_is_rejected() -> None:
    with pytest.raises(InvalidPersonalNumber, match="000"):
        PersonalNumber.parse(_with_check("121212000", century="19"), today=TODAY)


@pytest.mark.parametrize(
    "text", ["", "abc", "19121212-121", "1912121212121", "191212 121212", "١٩١٢١٢١٢١٢١٢", "19121212–1212"]
)
def test_malformed_text_is_rejected_with_the_accepted_forms_in_both_languages(text: str) -> None:
    with pytest.raises(InvalidPersonalNumber) as caught:
        PersonalNumber.parse(text, today=TODAY)
    assert "ÅÅÅÅMMDD-NNNN" in caught.value.message_sv
    assert "YYYYMMDD-NNNN" in caught.value.message_en


def test_plus_sign_with_a_four_digit_year_is_rejected() -> None:
    with pytest.raises(InvalidPersonalNumber, match="two-digit year"):
        PersonalNumber.parse("19121212+1212", today=TODAY)


def test_error_is_a_validation_failure_in_swedish_and_english_without_the_number() -> None:
    with pytest.raises(ValidationFailed) as caught:
        PersonalNumber.parse("19121212-1213", today=TODAY)
    error = caught.value
    assert isinstance(error, InvalidPersonalNumber)
    assert error.field == "personal_number"
    assert error.message_sv.startswith("Ogiltigt personnummer")
    assert error.message_en.startswith("Invalid personal identity number")
    assert "1213" not in error.message


def test_age_counts_whole_years() -> None:
    number = PersonalNumber.parse("19900101-2385", today=TODAY)
    assert number.age_on(date(2025, 12, 31)) == 35
    assert number.age_on(date(2026, 1, 1)) == 36


def test_someone_born_on_leap_day_turns_a_year_older_on_28_february_in_other_years() -> None:
    number = PersonalNumber.parse(_with_check("000229123", century="20"), today=TODAY)
    assert number.age_on(date(2001, 2, 27)) == 0
    assert number.age_on(date(2001, 2, 28)) == 1
    assert number.age_on(date(2004, 2, 28)) == 3
    assert number.age_on(date(2004, 2, 29)) == 4


def test_masked_and_printed_forms_hide_the_birth_number() -> None:
    number = PersonalNumber.parse("191212121212", today=TODAY)
    assert number.masked() == "19121212-****"
    assert str(number) == "19121212-****"
    assert "1212121212" not in repr(number)
    assert number.formatted() == "19121212-1212"


def test_is_valid_answers_without_raising() -> None:
    assert PersonalNumber.is_valid("19121212-1212", today=TODAY)
    assert not PersonalNumber.is_valid("19121212-1213", today=TODAY)


@pytest.mark.parametrize("number", ["191212121212", "199001012385", "198505059876"])
def test_the_demo_citizens_have_valid_numbers(number: str) -> None:
    assert PersonalNumber.parse(number, today=TODAY).canonical == number

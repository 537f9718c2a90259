"""PKCE (RFC 7636) and the login's random values."""

from __future__ import annotations

import itertools

import pytest

from chalicelib.domain import pkce

# RFC 7636 Appendix B. The verifier is the base64url of the 32 octets listed there (checked below), so the pair
# is pinned by the RFC's own arithmetic, not only by copying two strings.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_challenge_matches_rfc7636_appendix_b() -> None:
    assert pkce.code_challenge_s256(RFC_VERIFIER) == RFC_CHALLENGE


def test_rfc_verifier_answers_its_challenge() -> None:
    assert pkce.verifier_matches(RFC_VERIFIER, RFC_CHALLENGE)


def test_another_verifier_does_not_answer_the_challenge() -> None:
    assert not pkce.verifier_matches(RFC_VERIFIER[:-1] + "t", RFC_CHALLENGE)


def test_plain_method_is_never_accepted() -> None:
    assert not pkce.verifier_matches(RFC_VERIFIER, RFC_VERIFIER, method="plain")
    assert not pkce.verifier_matches(RFC_VERIFIER, RFC_CHALLENGE, method="plain")


def test_rfc_appendix_b_bytes_give_the_rfc_verifier() -> None:
    listed = (
        "116 24 223 180 151 153 224 37 79 250 96 125 216 173 187 186 22 212 37 77 105 214 191 240 91 88 5 88 83 132"
    )
    listed += " 141 121"
    octets = bytes(int(n) for n in listed.split())
    assert pkce.new_code_verifier(lambda n: octets[:n]) == RFC_VERIFIER


def test_fresh_verifier_is_43_unreserved_characters_and_answers_its_own_challenge() -> None:
    verifier = pkce.new_code_verifier()
    assert len(verifier) == 43
    assert pkce.is_valid_code_verifier(verifier)
    assert pkce.verifier_matches(verifier, pkce.code_challenge_s256(verifier))


@pytest.mark.parametrize("verifier", ["", "a" * 42, "a" * 129, "a" * 42 + "+", "a" * 42 + "=", "å" * 43])
def test_malformed_verifiers_are_refused(verifier: str) -> None:
    assert not pkce.is_valid_code_verifier(verifier)
    with pytest.raises(ValueError):
        pkce.code_challenge_s256(verifier)
    assert not pkce.verifier_matches(verifier, RFC_CHALLENGE)


def test_random_tokens_come_from_the_injected_source_and_differ() -> None:
    counter = itertools.count()

    def source(n: int) -> bytes:
        return bytes([next(counter) % 256] * n)

    first, second = pkce.random_token(source), pkce.random_token(source)
    assert first == pkce.b64url(bytes(32)) and first != second
    assert "=" not in first and len(first) == 43


def test_random_token_refuses_too_little_entropy_or_a_short_source() -> None:
    with pytest.raises(ValueError):
        pkce.random_token(nbytes=8)
    with pytest.raises(ValueError):
        pkce.random_token(lambda n: b"short")


def test_challenge_shape_check() -> None:
    assert pkce.is_valid_s256_challenge(RFC_CHALLENGE)
    assert not pkce.is_valid_s256_challenge(RFC_CHALLENGE + "A")
    assert not pkce.is_valid_s256_challenge(RFC_VERIFIER[:42] + "~")

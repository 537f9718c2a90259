"""One-time secrets: stored only as hashes; links that a retry must get again are keyed hashes of the request."""

from chalicelib.domain.tokens import keyed_token, purpose_key, secret_hash


def test_a_retried_request_gets_the_same_link_and_another_request_another() -> None:
    key = purpose_key("deployment session key", "nara phone invites")
    first = keyed_token(key, "phone-invite", "jonkoping", "unit-1", "nurse-1", "idem-1")
    assert first == keyed_token(key, "phone-invite", "jonkoping", "unit-1", "nurse-1", "idem-1")
    assert first != keyed_token(key, "phone-invite", "jonkoping", "unit-1", "nurse-1", "idem-2")
    # the parts are kept apart: moving a character from one part to the next is another request
    assert keyed_token(key, "ab", "c") != keyed_token(key, "a", "bc")
    assert "=" not in first and "/" not in first and "+" not in first  # safe in a URL as it is


def test_a_link_is_useless_under_another_purpose_or_deployment() -> None:
    parts = ("interpreter-invite", "jonkoping", "meeting-1", "doctor-1", "idem-1")
    token = keyed_token(purpose_key("root", "nara interpreter links"), *parts)
    assert token != keyed_token(purpose_key("root", "nara phone invites"), *parts)
    assert token != keyed_token(purpose_key("another root", "nara interpreter links"), *parts)


def test_only_the_hash_is_stored_and_it_does_not_reveal_the_secret() -> None:
    stored = secret_hash("one-time-code-123")
    assert stored == secret_hash("one-time-code-123")
    assert "one-time-code" not in stored and len(stored) == 64

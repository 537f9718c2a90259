"""Referral to another region: the case's side of it (consent, the referrer keeping the case until the answer, the
events the consumer acts on) and the signature between the regions' stacks (docs/referral-across-regions.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.interregion import Partner, PartnerKeys, RegionSigner, RegionVerifier, new_signing_key
from chalicelib.domain.errors import Conflict, Unauthenticated, ValidationFailed
from chalicelib.domain.events import events_from_change
from chalicelib.domain.model import Case, CaseStatus

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SBAR = {"situation": "S", "background": "B", "assessment": "A", "recommendation": "R"}


def _claimed() -> Case:
    case = Case.submit(
        case_id="c1",
        tenant="jonkoping",
        unit_id="u1",
        patient_ref="p1",
        reason="Hosta",
        free_text="",
        priority="P4",
        profession="nurse",
        now=NOW,
    )
    return case.claim("SE-S1", NOW, "Anna Lind")


def _refer(case: Case, **overrides: Any) -> Case:
    values: dict[str, Any] = {
        "referral_id": "ref-1",
        "to_region": "kalmar",
        "to_region_name": "Region Kalmar län",
        "to_unit_id": "k1",
        "to_unit_name": "Vårdcentralen Kalmar",
        "to_profession": "nurse",
        "sbar": SBAR,
        "consent": "chat",
        "now": NOW,
    }
    values.update(overrides)
    return case.refer_to_region("SE-S1", "Anna Lind", **values)


def test_a_referral_to_another_region_needs_the_recorded_consent_and_the_referrer_keeps_the_case() -> None:
    claimed = _claimed()
    with pytest.raises(ValidationFailed) as no_consent:
        _refer(claimed, consent="")
    assert no_consent.value.field == "consent" and "samtycke" in (no_consent.value.message_sv or "").lower()
    with pytest.raises(ValidationFailed) as no_note:
        _refer(claimed, sbar={**SBAR, "recommendation": " "})
    assert no_note.value.field == "recommendation"
    with pytest.raises(Conflict):
        _refer(claimed.release("SE-S1"))  # take it first

    sent = _refer(claimed)
    referral = sent.open_region_referral
    assert referral is not None and referral["state"] == "sending" and referral["direction"] == "out"
    assert referral["consent"] == {
        "how": "chat",
        "recorded_by": "SE-S1",
        "recorded_by_name": "Anna Lind",
        "at": NOW.isoformat(),
    }
    assert (sent.status, sent.claimed_by, sent.unit_id) == (CaseStatus.CLAIMED, "SE-S1", "u1")
    assert _refer(sent) is sent  # a retry
    with pytest.raises(Conflict):
        _refer(sent, referral_id="ref-2")  # one at a time


def test_the_answer_closes_the_case_as_referred_or_leaves_it_with_the_referrer_with_the_reason() -> None:
    delivered = _refer(_claimed()).region_referral_delivered("ref-1", remote_case_id="k-c1", now=NOW)
    assert delivered.region_referral("ref-1")["state"] == "delivered"  # type: ignore[index]
    accepted = delivered.region_referral_answered(
        "ref-1", state="accepted", by_name="Elin Karlsson, Region Kalmar län", reason="", at=NOW, now=NOW
    )
    assert (accepted.status, accepted.close_outcome, accepted.closed_by) == (CaseStatus.CLOSED, "referred", "SE-S1")
    assert "Region Kalmar län" in (accepted.close_summary or "") and "i chatten" in (accepted.close_summary or "")
    again = accepted.region_referral_answered("ref-1", state="rejected", by_name="x", reason="y", at=NOW, now=NOW)
    assert again is accepted  # answered once

    rejected = delivered.region_referral_answered(
        "ref-1", state="rejected", by_name="Elin", reason="Inte skriven här", at=NOW, now=NOW
    )
    assert (rejected.status, rejected.claimed_by) == (CaseStatus.CLAIMED, "SE-S1")
    assert rejected.region_referral("ref-1")["reject_reason"] == "Inte skriven här"  # type: ignore[index]
    assert rejected.open_region_referral is None  # she may refer it again


def _received() -> Case:
    incoming = {
        "referral_id": "ref-1",
        "from_region": "jonkoping",
        "from_region_name": "Region Jönköpings län",
        "from_case_id": "c1",
        "to_unit_id": "k1",
        "to_profession": "nurse",
        "by": "SE-S1",
        "by_name": "Anna Lind (Region Jönköpings län)",
        **SBAR,
    }
    story = {"reason": "Hosta", "priority": "P2", "profession": "nurse", "submitted_at": NOW.isoformat()}
    return Case.from_region(
        case_id="k-c1",
        tenant="kalmar",
        patient_ref="kp1",
        patient_name="Tolvan",
        patient_age=30,
        referral=incoming,
        story=story,
        now=NOW + timedelta(minutes=5),
    )


def test_a_received_referral_waits_in_the_queue_with_its_priority_and_place_and_a_rejection_ends_it_here() -> None:
    case = _received()
    assert (case.status, case.unit_id, case.priority, case.submitted_at) == (CaseStatus.QUEUED, "k1", "P2", NOW)
    assert case.pending_referral is not None and case.pending_referral["direction"] == "in"
    taken = case.claim("SE-K1", NOW, "Elin")
    assert taken.referrals[0]["state"] == "accepted" and taken.claimed_by == "SE-K1"
    rejected = case.reject_referral("SE-K1", "Elin", reason="Fel region", now=NOW)
    assert (rejected.status, rejected.close_outcome) == (CaseStatus.CLOSED, "no_action")
    assert rejected.unit_id == "k1" and rejected.claimed_by is None  # never to a unit of another region


def _image(case: Case) -> dict[str, Any]:
    return {
        "type": "case",
        "tenant": case.tenant,
        "case_id": case.case_id,
        "status": case.status.value,
        "claimed_by": case.claimed_by,
        "close_outcome": case.close_outcome,
        "referrals": case.referrals,
    }


def test_the_events_tell_the_consumer_what_to_send() -> None:
    claimed = _claimed()
    sent = _refer(claimed)
    [out] = events_from_change(event_id="e1", entity="case", old=_image(claimed), new=_image(sent))
    assert (out.type, out.data["kind"], out.data["to_region"]) == ("CaseReferred", "region", "kalmar")
    accepted = sent.region_referral_answered("ref-1", state="accepted", by_name="Elin", reason="", at=NOW, now=NOW)
    kinds = [e.type for e in events_from_change(event_id="e2", entity="case", old=_image(sent), new=_image(accepted))]
    assert kinds == ["ReferralAccepted", "CaseClosed"]

    received = _received()
    rejected = received.reject_referral("SE-K1", "Elin", reason="Fel region", now=NOW)
    events = events_from_change(event_id="e3", entity="case", old=_image(received), new=_image(rejected))
    assert [(e.type, e.data.get("direction")) for e in events] == [("ReferralRejected", "in"), ("CaseClosed", None)]


# --- The signature between the stacks -------------------------------------------------------------------------------


@pytest.fixture
def pair() -> tuple[RegionSigner, RegionVerifier, dict[str, Partner]]:
    signer = RegionSigner("jonkoping", lambda pem=new_signing_key(): pem)
    jwks = signer.jwks()
    verifier = RegionVerifier("kalmar", PartnerKeys(fetch=lambda url: jwks))
    partners = {"jonkoping": Partner("jonkoping", "Region Jönköpings län", "https://api.jonkoping.example")}
    return signer, verifier, partners


def test_a_request_signed_by_the_partner_for_this_region_and_body_is_accepted(pair: Any) -> None:
    signer, verifier, partners = pair
    body = json.dumps({"referral_id": "ref-1"}).encode()
    token = signer.token("kalmar", body, now=NOW)
    assert verifier.sender(f"Bearer {token}", body, partners, now=NOW).tenant == "jonkoping"
    assert "d" not in signer.jwks()["keys"][0]  # only the public half is published


def test_another_body_another_audience_an_old_token_or_a_stranger_is_refused(pair: Any) -> None:
    signer, verifier, partners = pair
    body = b'{"referral_id":"ref-1"}'
    token = signer.token("kalmar", body, now=NOW)
    refused = [
        (f"Bearer {token}", b'{"referral_id":"ref-2"}', partners, NOW),  # another body
        (f"Bearer {signer.token('uppsala', body, now=NOW)}", body, partners, NOW),  # meant for another region
        (f"Bearer {token}", body, partners, NOW + timedelta(minutes=10)),  # expired
        (f"Bearer {token}", body, {}, NOW),  # not a partner of this region
        ("", body, partners, NOW),
    ]
    stranger = RegionSigner("jonkoping", lambda pem=new_signing_key(): pem)  # the right name, another key
    refused.append((f"Bearer {stranger.token('kalmar', body, now=NOW)}", body, partners, NOW))
    for authorization, sent, known, at in refused:
        with pytest.raises(Unauthenticated):
            verifier.sender(authorization, sent, known, now=at)

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.events import DomainEvent, events_from_change
from chalicelib.domain.identity import patient_ref
from chalicelib.domain.model import PROFESSIONS, Case, CaseStatus, Principal, PrincipalKind, UnitRole

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _case(**overrides: object) -> Case:
    values: dict[str, object] = {
        "case_id": "c1",
        "tenant": "r",
        "unit_id": "u1",
        "patient_ref": "p1",
        "reason": "Halsont",
        "free_text": "Ont i halsen",
        "priority": "P3",
        "profession": "nurse",
        "now": NOW,
    }
    values.update(overrides)
    return Case.submit(**values)  # type: ignore[arg-type]


def _citizen(subject: str = "p1", tenant: str = "r") -> Principal:
    return Principal(tenant, PrincipalKind.CITIZEN, subject, "Anna", "bankid", "loa3")


def _nurse(unit: str = "u1", tenant: str = "r") -> Principal:
    return Principal(tenant, PrincipalKind.STAFF, "SE-S1", "Nurse", "siths", "loa3", (UnitRole(unit, "nurse"),))


def test_submitted_case_is_queued_and_records_that_it_was_submitted() -> None:
    case = _case()
    assert case.status is CaseStatus.QUEUED
    assert [e["type"] for e in case.events] == ["CaseSubmitted"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 201}, "reason"),
        ({"free_text": "x" * 4001}, "free_text"),
        ({"priority": "P9"}, "priority"),
        ({"profession": "wizard"}, "profession"),
    ],
)
def test_bad_intake_is_rejected_with_the_field_named(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _case(**overrides)
    assert caught.value.field == field


def test_no_messages_on_a_closed_case() -> None:
    closed = Case(**{**_case().__dict__, "status": CaseStatus.CLOSED})
    with pytest.raises(Conflict):
        closed.next_message_seq()


def test_citizen_sees_only_own_case_and_staff_only_their_units() -> None:
    case = _case()
    assert policy.can_view_case(_citizen("p1"), case)
    assert not policy.can_view_case(_citizen("someone-else"), case)
    assert policy.can_view_case(_nurse("u1"), case)
    assert not policy.can_view_case(_nurse("u2"), case)
    assert not policy.can_view_case(_nurse("u1", tenant="other-region"), case)


def test_queue_scope_is_the_professions_held_at_that_unit() -> None:
    both = Principal(
        "r",
        PrincipalKind.STAFF,
        "S",
        "Lena",
        "siths",
        "loa3",
        (UnitRole("u1", "nurse"), UnitRole("u1", "midwife"), UnitRole("u2", "admin")),
    )
    assert policy.queue_scope(both, "u1") == {"nurse", "midwife"}
    assert policy.queue_scope(both, "u2") == frozenset()
    assert policy.queue_scope(_citizen(), "u1") == frozenset()


def test_a_coordinators_queue_covers_every_profession_and_no_role_that_is_no_profession() -> None:
    def principal(*roles: tuple[str, str]) -> Principal:
        return Principal("r", PrincipalKind.STAFF, "S", "Ingrid", "siths", "loa3", tuple(UnitRole(*r) for r in roles))

    coordinator = principal(("u1", "nurse"), ("u1", "coordinator"), ("u2", "nurse"))
    assert policy.queue_scope(coordinator, "u1") == set(PROFESSIONS)  # the unit's overdue cases are escalated to her
    assert policy.queue_scope(coordinator, "u2") == {"nurse"}  # coordinator of u1 only
    assert policy.queue_scope(principal(("u1", "coordinator")), "u1") == set(PROFESSIONS)
    assert "coordinator" not in policy.queue_scope(coordinator, "u1")
    assert policy.queue_scope(principal(("u1", "admin"), ("u1", "nurse")), "u1") == {"nurse"}


def test_new_case_and_new_message_become_domain_events() -> None:
    case = {
        "type": "case",
        "tenant": "r",
        "case_id": "c1",
        "unit_id": "u1",
        "priority": "P2",
        "profession": "nurse",
        "status": "queued",
        "submitted_at": "2026-11-25T09:00:00+0000",
    }
    submitted = events_from_change(event_id="e1", entity="case", old=None, new=case)
    assert [(e.type, e.data["priority"]) for e in submitted] == [("CaseSubmitted", "P2")]
    claimed = events_from_change(event_id="e2", entity="case", old=case, new={**case, "status": "claimed"})
    assert [e.type for e in claimed] == ["CaseClaimed"]
    counter_only = events_from_change(event_id="e3", entity="case", old=case, new={**case, "message_seq": 2})
    assert counter_only == []
    message = {"type": "message", "tenant": "r", "case_id": "c1", "seq": 1, "sender_kind": "staff"}
    assert [e.type for e in events_from_change(event_id="e4", entity="message", old=None, new=message)] == [
        "MessagePosted"
    ]


def test_contact_anyway_after_self_care_becomes_a_queued_event() -> None:
    self_care = {"type": "case", "tenant": "r", "case_id": "c1", "status": "self_care", "profession": "nurse"}
    queued = {**self_care, "status": "queued", "priority": "P5", "updated_at": "2026-11-25T10:00:00+0000"}
    [event] = events_from_change(event_id="e1", entity="case", old=self_care, new=queued)
    assert (event.type, event.data["priority"], event.data["reason"]) == ("CaseQueued", "P5", "contact_anyway")


def test_domain_event_round_trips_and_rejects_unknown_types() -> None:
    event = DomainEvent("e1", "CaseSubmitted", "r", "c1", "2026-11-25T09:00:00Z", {"priority": "P3"})
    assert DomainEvent.from_dict(event.to_dict()) == event
    with pytest.raises(ValueError, match="unknown event type"):
        DomainEvent.from_dict({**event.to_dict(), "type": "Explode"})


def test_personnummer_becomes_a_stable_keyed_pseudonym() -> None:
    ref = patient_ref("19121212-1212", b"key-a")
    assert ref == patient_ref("191212121212", b"key-a")
    assert ref != patient_ref("191212121212", b"key-b")
    assert "1212" not in ref[:4] and len(ref) == 40
    with pytest.raises(ValueError):
        patient_ref("1212", b"k")


def test_guardian_sees_the_childs_case_but_not_other_childrens() -> None:
    from chalicelib.domain.model import Ward

    child_case = _case(patient_ref="child-1")
    parent = Principal(
        "r", PrincipalKind.CITIZEN, "parent", "P", "bankid", "loa3", wards=(Ward("child-1", "Lilly", "2018-03-14"),)
    )
    assert policy.can_view_case(parent, child_case)
    assert not policy.can_view_case(parent, _case(patient_ref="child-2"))
    assert not policy.can_view_case(_citizen("child-1-sibling"), child_case)


LATER = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_claim_takes_a_queued_case_once_and_refuses_a_colleague() -> None:
    claimed = _case().claim("SE-S1", LATER)
    assert (claimed.status, claimed.claimed_by, claimed.claimed_at) == (CaseStatus.CLAIMED, "SE-S1", LATER)
    assert claimed.claim("SE-S1", NOW) is claimed  # a retry changes nothing
    with pytest.raises(Conflict) as caught:
        claimed.claim("SE-S2", LATER)
    assert caught.value.message_sv == "Ärendet har redan tagits av en kollega."
    redirected = _case(disposition="emergency_112")
    with pytest.raises(Conflict):
        redirected.claim("SE-S1", LATER)


def test_release_puts_it_back_as_it_was_and_only_the_claimer_may() -> None:
    queued = _case()
    claimed = queued.claim("SE-S1", LATER)
    with pytest.raises(Conflict):
        claimed.release("SE-S2")
    released = claimed.release("SE-S1")
    assert (released.status, released.claimed_by, released.claimed_at) == (CaseStatus.QUEUED, None, None)
    assert (released.priority, released.submitted_at) == (queued.priority, queued.submitted_at)
    assert released.release("SE-S1") is released  # already queued: a retry


def test_hand_over_goes_only_to_a_colleague_with_the_profession_at_the_unit() -> None:
    claimed = _case().claim("SE-S1", NOW)
    for roles in (None, (UnitRole("u2", "nurse"),), (UnitRole("u1", "doctor"),)):
        with pytest.raises(ValidationFailed) as caught:
            claimed.hand_to("SE-S1", "SE-S4", roles, LATER)
        assert caught.value.field == "to_hsa_id"
    with pytest.raises(ValidationFailed):
        claimed.hand_to("SE-S1", "SE-S1", (UnitRole("u1", "nurse"),), LATER)
    with pytest.raises(Conflict):
        claimed.hand_to("SE-S9", "SE-S4", (UnitRole("u1", "nurse"),), LATER)
    handed = claimed.hand_to("SE-S1", "SE-S4", (UnitRole("u1", "nurse"), UnitRole("u2", "doctor")), LATER)
    assert (handed.claimed_by, handed.handed_by, handed.claimed_at) == ("SE-S4", "SE-S1", LATER)
    assert handed.hand_to("SE-S1", "SE-S4", None, NOW) is handed  # a retry


def test_close_needs_the_claimer_a_known_outcome_and_a_summary() -> None:
    queued = _case()
    with pytest.raises(Conflict):
        queued.close("SE-S1", "advice_given", "Råd", LATER)
    claimed = queued.claim("SE-S1", NOW)
    for outcome, summary, field in (
        ("cured", "Råd", "outcome"),
        ("booked", " ", "summary"),
        ("booked", "x" * 4001, "summary"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            claimed.close("SE-S1", outcome, summary, LATER)
        assert caught.value.field == field
    with pytest.raises(Conflict):
        claimed.close("SE-S2", "booked", "Bokad tid", LATER)
    closed = claimed.close("SE-S1", "booked", " Bokad tid ", LATER)
    assert (closed.status, closed.closed_by, closed.closed_at) == (CaseStatus.CLOSED, "SE-S1", LATER)
    assert (closed.close_outcome, closed.close_summary) == ("booked", "Bokad tid")
    assert closed.close("SE-S1", "booked", "Bokad tid", NOW) is closed
    with pytest.raises(Conflict):
        closed.close("SE-S1", "no_action", "Bokad tid", NOW)
    with pytest.raises(Conflict):
        closed.next_message_seq()


def test_release_and_hand_over_show_on_the_timeline() -> None:
    claimed = {"type": "case", "tenant": "r", "case_id": "c1", "status": "claimed", "claimed_by": "SE-S1"}
    claimed.update(priority="P3", profession="nurse")
    [released] = events_from_change(event_id="e1", entity="case", old=claimed, new={**claimed, "status": "queued"})
    assert (released.type, released.data["reason"], released.data["priority"]) == ("CaseQueued", "released", "P3")
    handed = {**claimed, "claimed_by": "SE-S4", "handed_by": "SE-S1"}
    [event] = events_from_change(event_id="e2", entity="case", old=claimed, new=handed)
    assert (event.type, event.data) == ("CaseClaimed", {"claimed_by": "SE-S4", "handed_by": "SE-S1"})
    closed = {**claimed, "status": "closed", "close_outcome": "booked", "closed_by": "SE-S1"}
    [event] = events_from_change(event_id="e3", entity="case", old=claimed, new=closed)
    assert (event.type, event.data["outcome"]) == ("CaseClosed", "booked")


def test_override_keeps_the_triage_and_a_new_profession_sends_a_claimed_case_back_to_the_queue() -> None:
    case = _case(triage={"priority": "P3", "deadline": "2026-11-26T09:00:00+00:00"})
    claimed = case.claim("SE-S1", NOW)
    with pytest.raises(Conflict):
        claimed.override("SE-S4", "B", priority="P2", profession=None, reason="Andnöd", deadline=None, now=NOW)
    with pytest.raises(ValidationFailed) as no_reason:
        claimed.override("SE-S1", "A", priority="P2", profession=None, reason="  ", deadline=None, now=NOW)
    assert no_reason.value.field == "reason"
    due = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    raised = claimed.override("SE-S1", "A", priority="P2", profession=None, reason="Andnöd", deadline=due, now=NOW)
    assert (raised.priority, raised.status, raised.claimed_by, raised.deadline) == (
        "P2",
        CaseStatus.CLAIMED,
        "SE-S1",
        due,
    )
    assert raised.triage == {"priority": "P3", "deadline": "2026-11-26T09:00:00+00:00"}
    assert (
        raised.override("SE-S1", "A", priority="P2", profession=None, reason="Andnöd", deadline=due, now=NOW) is raised
    )
    to_doctor = raised.override(
        "SE-S1", "A", priority=None, profession="doctor", reason="Läkare", deadline=None, now=NOW
    )
    assert (to_doctor.profession, to_doctor.status, to_doctor.claimed_by) == ("doctor", CaseStatus.QUEUED, None)
    assert to_doctor.deadline == due  # the priority's deadline stands
    assert [o["to_profession"] for o in to_doctor.overrides] == ["nurse", "doctor"]


def test_a_referral_moves_the_case_and_is_accepted_by_a_claim_or_sent_back_to_the_referrer() -> None:
    sbar = {"situation": "S", "background": "B", "assessment": "A", "recommendation": "R"}
    claimed = _case().claim("SE-S1", NOW)
    with pytest.raises(ValidationFailed) as missing:
        claimed.refer(
            "SE-S1",
            "A",
            referral_id="r1",
            to_unit_id="u2",
            to_profession="nurse",
            sbar={**sbar, "assessment": ""},
            now=NOW,
        )
    assert missing.value.field == "assessment"
    with pytest.raises(ValidationFailed):
        claimed.refer("SE-S1", "A", referral_id="r1", to_unit_id="u1", to_profession="nurse", sbar=sbar, now=NOW)
    with pytest.raises(Conflict):
        _case().refer("SE-S1", "A", referral_id="r1", to_unit_id="u2", to_profession="nurse", sbar=sbar, now=NOW)
    sent = claimed.refer("SE-S1", "A", referral_id="r1", to_unit_id="u2", to_profession="nurse", sbar=sbar, now=NOW)
    assert (sent.unit_id, sent.status, sent.claimed_by) == ("u2", CaseStatus.QUEUED, None)
    assert sent.pending_referral is not None and sent.pending_referral["from_unit_id"] == "u1"
    assert (
        sent.refer("SE-S1", "A", referral_id="r1", to_unit_id="u2", to_profession="nurse", sbar=sbar, now=NOW) is sent
    )

    accepted = sent.claim("SE-B1", NOW, "Britt")
    assert accepted.referrals[-1]["state"] == "accepted" and accepted.referrals[-1]["answered_by_name"] == "Britt"
    assert accepted.pending_referral is None

    with pytest.raises(ValidationFailed):
        sent.reject_referral("SE-B1", "Britt", reason=" ", now=NOW)
    back = sent.reject_referral("SE-B1", "Britt", reason="Fel enhet", now=NOW)
    assert (back.unit_id, back.status, back.claimed_by) == ("u1", CaseStatus.CLAIMED, "SE-S1")
    assert back.referrals[-1]["reject_reason"] == "Fel enhet"
    assert back.reject_referral("SE-B1", "Britt", reason="Fel enhet", now=NOW) is back
    with pytest.raises(Conflict):
        accepted.reject_referral("SE-B1", "Britt", reason="Sent", now=NOW)


def test_an_overflow_offer_waits_at_one_partner_and_a_decline_returns_it_unclaimed_to_its_own_queue() -> None:
    queued = _case()
    with pytest.raises(Conflict):
        queued.claim("SE-S1", NOW).offer_overflow(offer_id="o1", to_unit_id="u2", now=NOW)  # only a waiting case
    offered = queued.offer_overflow(offer_id="o1", to_unit_id="u2", now=NOW)
    assert (offered.unit_id, offered.status, offered.profession) == ("u2", CaseStatus.QUEUED, queued.profession)
    assert offered.pending_referral is not None and offered.pending_referral["kind"] == "overflow"
    assert offered.offer_overflow(offer_id="o1", to_unit_id="u2", now=NOW) is offered  # a retry
    with pytest.raises(Conflict):
        offered.offer_overflow(offer_id="o2", to_unit_id="u3", now=NOW)  # one partner at a time
    back = offered.reject_referral("SE-B1", "Britt", reason="Ingen ledig", now=NOW)
    assert (back.unit_id, back.status, back.claimed_by) == ("u1", CaseStatus.QUEUED, None)
    assert back.overflow_asked == {"u2"}
    with pytest.raises(Conflict):
        back.offer_overflow(offer_id="o3", to_unit_id="u2", now=NOW)  # a partner that declined is not asked again
    taken = back.offer_overflow(offer_id="o4", to_unit_id="u3", now=NOW).claim("SE-C1", NOW, "Cecilia")
    assert (taken.unit_id, taken.claimed_by, taken.referrals[-1]["state"]) == ("u3", "SE-C1", "accepted")

    image = {"type": "case", "tenant": "r", "case_id": "c1", "status": "queued", "referrals": []}
    [event] = events_from_change(event_id="e1", entity="case", old=image, new={**image, "referrals": offered.referrals})
    assert event.type == "OverflowOffered" and event.data["to_unit_id"] == "u2"
    [declined] = events_from_change(
        event_id="e2",
        entity="case",
        old={**image, "referrals": offered.referrals},
        new={**image, "referrals": back.referrals},
    )
    assert declined.type == "ReferralRejected" and "back_to" not in declined.data


def test_overrides_and_referrals_become_domain_events() -> None:
    claimed = {"type": "case", "tenant": "r", "case_id": "c1", "status": "claimed", "claimed_by": "SE-S1"}
    override = {"by": "SE-S1", "by_name": "A", "reason": "x", "from_priority": "P3", "to_priority": "P2"}
    [event] = events_from_change(event_id="e1", entity="case", old=claimed, new={**claimed, "overrides": [override]})
    assert event.type == "TriageOverridden" and event.data["to_priority"] == "P2" and "by_name" not in event.data
    referral = {"referral_id": "r1", "state": "pending", "from_unit_id": "u1", "to_unit_id": "u2", "by": "SE-S1"}
    referred = {**claimed, "status": "queued", "claimed_by": None, "unit_id": "u2", "referrals": [referral]}
    [event] = events_from_change(event_id="e2", entity="case", old=claimed, new=referred)
    assert (event.type, event.data["to_unit_id"]) == ("CaseReferred", "u2")
    taken = {
        **referred,
        "status": "claimed",
        "claimed_by": "SE-B1",
        "referrals": [{**referral, "state": "accepted", "answered_by": "SE-B1"}],
    }
    events = events_from_change(event_id="e3", entity="case", old=referred, new=taken)
    assert [(e.type, e.event_id) for e in events] == [("ReferralAccepted", "e3"), ("CaseClaimed", "e3.1")]


def test_a_stream_image_gives_the_event_translator_the_overrides_and_referrals_as_lists() -> None:
    from chalicelib.adapters.dynamo import decode_stream_image

    image = {"case_id": {"S": "c1"}, "referrals": {"S": '[{"referral_id": "r1", "state": "pending"}]'}}
    assert decode_stream_image(image) == {"case_id": "c1", "referrals": [{"referral_id": "r1", "state": "pending"}]}

"""The access matrix: every route of the app × every role × own and other's object, against the table in
``tests/api/access_matrix.py``. A route missing from the table, a cell that differs, or a refusal (401/403/404) that
carries someone's data fails the test. See the table's docstring for the roles and what "own" and "other" mean."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.adapters.interregion import new_signing_key
from chalicelib.adapters.tokens import SessionTokens
from chalicelib.api.http import Access
from chalicelib.api.openapi import REGISTRY
from chalicelib.domain.booking import Availability
from chalicelib.domain.model import Case, Principal, Ward
from tests.api import access_matrix as table
from tests.api.conftest import COLD, UNIT_A, UNIT_B, Api, citizen, staff

TENANT = "testregion"
CHILD = Ward("child-ref-matrix", "Lilla Cecilia", "2019-05-01")
PRINCIPALS: dict[str, Principal] = {
    "citizen_a": citizen("191212121212", "Anna Andersson"),
    "citizen_b": citizen("199001012385", "Bertil Berg"),
    "guardian": replace(citizen("198505059876", "Cecilia Carlsson"), wards=(CHILD,)),
    "nurse_unit": staff("SE2321000016-MXN1", (UNIT_A, "nurse"), name="Syster Sara"),
    "nurse_other_unit": staff("SE2321000016-MXN2", (UNIT_B, "nurse"), name="Syster Britt"),
    "doctor": staff("SE2321000016-MXD1", (UNIT_A, "doctor"), name="Doktor Dahl"),
    "admin": staff("SE2321000016-MXA1", (UNIT_A, "admin"), name="Admin Ek"),
}
# Staff who are not roles of the matrix: colleagues to hand over to, and unit B's administrator (to set up objects).
COLLEAGUE_A = staff("SE2321000016-MXN3", (UNIT_A, "nurse"), name="Syster Astrid")
COLLEAGUE_B = staff("SE2321000016-MXN4", (UNIT_B, "nurse"), name="Syster Berit")
ADMIN_B = staff("SE2321000016-MXA2", (UNIT_B, "admin"), name="Admin Bo")
# Who handles the cases of each side (claims, offers, starts meetings) when a route needs that first.
HANDLER = {"A": "nurse_unit", "B": "nurse_other_unit", "C": "nurse_unit"}
PATIENT = {"A": "citizen_a", "B": "citizen_b", "C": "guardian"}
UNIT = {"A": UNIT_A, "B": UNIT_B, "C": UNIT_A}
SBAR = {
    "situation": "Hosta sedan tre veckor.",
    "background": "Ingen känd lungsjukdom.",
    "assessment": "Behöver bedömas.",
    "recommendation": "Ring patienten i dag.",
}
REASON = {"A": "Halsont hos Anna", "B": "Ont i knät hos Bertil", "C": "Utslag hos barnet"}
FREE_TEXT = {"A": "Annas hemliga beskrivning", "B": "Bertils hemliga beskrivning", "C": "Barnets hemliga beskrivning"}


def _week() -> str:
    today = datetime.now(UTC).date()
    return f"?from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=8)).isoformat()}"


# Query strings and bodies per route; "{name}" is filled from the object (side) the cell is about.
QUERY: dict[tuple[str, str], str] = {
    ("GET", "/staff/queue"): "?unit_id={unit_id}",
    ("GET", "/staff/templates"): "?unit_id={unit_id}",
    ("GET", "/staff/units/{unit_id}/access-log"): "?staff=SE2321000016-MXN1",
    ("GET", "/staff/units/{unit_id}/bookings"): "{week}",
    ("GET", "/staff/cases/{case_id}/slots"): "?form=video",
    ("DELETE", "/staff/templates/{template_id}"): "?version=1",
    ("DELETE", "/staff/units/{unit_id}/schedule/availability/{availability_id}"): "?version=1",
    ("DELETE", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"): "?version=1",
    ("GET", "/auth/oidc/{provider}/callback"): "?state=no-such-state&code=no-such-code",
}
BODY: dict[tuple[str, str], Any] = {
    ("POST", "/auth/bankid/start"): {"same_device": True},
    ("POST", "/auth/bankid/collect"): {"login_id": "no-such-login"},
    ("POST", "/auth/bankid/qr"): {"login_id": "no-such-login"},
    ("POST", "/auth/bankid/cancel"): {"login_id": "no-such-login"},
    ("POST", "/auth/exchange"): {"code": "no-such-code-of-some-length"},
    ("POST", "/video/interpreter/session"): {"token": "no-such-interpreter-token"},
    ("POST", "/cases/{case_id}/messages"): {"text": "Hej, hur mår du?", "client_id": "{client_id}"},
    ("POST", "/cases/{case_id}/read"): {"seq": 1},
    ("POST", "/citizen/triage"): {"unit_id": UNIT_A, "reason": "Förkyld", "free_text": "Snuva sedan tre dagar"},
    ("PATCH", "/citizen/triage/{draft_id}"): {"free_text": "Snuva och hosta"},
    ("POST", "/citizen/triage/{draft_id}/answers"): {"step_id": "{step_id}", "value": "{step_value}"},
    ("POST", "/citizen/triage/{draft_id}/back"): {},
    ("POST", "/citizen/triage/{draft_id}/submit"): {"choose_contact": True},
    ("POST", "/citizen/triage/{draft_id}/photos"): {"content_type": "image/jpeg", "size": 1000},
    ("POST", "/citizen/cases/{case_id}/photos"): {"content_type": "image/jpeg", "size": 1000},
    ("POST", "/citizen/cases/{case_id}/booking"): {"slot_id": "{offered_slot}"},
    ("PUT", "/citizen/cases/{case_id}/booking"): {"slot_id": "{offered_slot_2}"},
    ("POST", "/staff/cases/{case_id}/hand-over"): {"to_hsa_id": "{colleague}"},
    ("POST", "/staff/cases/{case_id}/close"): {"outcome": "advice_given", "summary": "Råd om egenvård."},
    ("POST", "/staff/cases/{case_id}/override"): {"priority": "P4", "reason": "Bedömd i chatten"},
    ("POST", "/staff/cases/{case_id}/refer"): {"to_unit_id": "{other_unit}", "to_profession": "nurse", **SBAR},
    ("POST", "/staff/cases/{case_id}/referral/reject"): {"reason": "Fel enhet, hör av er."},
    ("POST", "/staff/cases/{case_id}/refer-region"): {
        "to_region": "granne",
        "to_unit_id": "SE-GRANNE-VC1",
        "to_profession": "nurse",
        "consent": "chat",
        "personal_number": "{personal_number}",
        **SBAR,
    },
    ("POST", "/staff/cases/{case_id}/photo-request"): {"client_id": "{client_id}"},
    ("POST", "/staff/cases/{case_id}/offer"): {"slot_ids": ["{free_slot}"], "client_id": "{client_id}"},
    ("DELETE", "/staff/bookings/{booking_id}"): {"message": "Sjuk, vi hör av oss."},
    ("POST", "/staff/units/{unit_id}/access-log/sample"): {"size": 5},
    ("POST", "/staff/units/{unit_id}/phone-invites"): {"phone": "+46701234567"},
    ("PUT", "/staff/units/{unit_id}/schedule/availability/{availability_id}"): {
        "staff_hsa_id": "{colleague}",
        "profession": "nurse",
        "form": "video",
        "length_minutes": 30,
        "weekdays": ["mon"],
        "start": "08:00",
        "end": "09:00",
        "valid_from": "{monday}",
        "valid_to": "{monday}",
    },
    ("PUT", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"): {
        "first_day": "2027-01-11",
        "last_day": "2027-01-12",
        "reason": "Utbildning",
    },
    ("PUT", "/staff/units/{unit_id}/staff/{hsa_id}"): {"roles": ["nurse"]},
    ("PUT", "/staff/units/{unit_id}/settings"): "{settings}",
    ("POST", "/staff/templates"): {
        "title": "Hälsning",
        "text": "Hej! Vi hör av oss.",
        "template_id": "{template_new}",
        "scope": "unit",
        "unit_id": "{unit_id}",
    },
    ("PUT", "/staff/templates/{template_id}"): {"title": "Hälsning", "text": "Hej igen!", "version": 1},
    ("PUT", "/staff/region/settings"): {"version": 1},  # incomplete: 422 for whoever may
    ("PUT", "/staff/region/logo"): {"version": 1},  # incomplete: 422 for whoever may
    ("PUT", "/staff/region/units/{unit_id}"): {"name": "Ny"},  # incomplete: 422 for whoever may
    ("PUT", "/staff/region/admins/{hsa_id}"): {"region_admin": False},
    ("POST", "/interregion/referrals"): {},
    ("POST", "/interregion/referrals/{referral_id}/answer"): {},
}
IDEMPOTENT = {
    ("POST", "/citizen/triage"),
    ("POST", "/citizen/cases/{case_id}/contact"),
    ("POST", "/citizen/cases/{case_id}/booking"),
    ("PUT", "/citizen/cases/{case_id}/booking"),
    ("POST", "/staff/cases/{case_id}/refer"),
    ("POST", "/staff/cases/{case_id}/refer-region"),
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/interpreter"),
    ("POST", "/staff/units/{unit_id}/phone-invites"),
}
SETTINGS = ("name", "address", "phone", "phone_hours", "opening_hours", "professions", "minutes_per_case", "version")
# Path parameters that name no object of anyone (the same value for every cell).
FIXED = {
    "provider": "siths",
    "advice_id": "cold_self_care",
    "token": "no-such-invite-token",
    "referral_id": "ref-1",
    "name": "0" * 32 + ".svg",  # an uploaded logo's name: none is uploaded in the test region
}


SELF_CARE_TRIAGE = {
    "priority": None,
    "deadline": None,
    "disposition": "self_care",
    "profession": "nurse",
    "red_flags": [],
    "explanation": {"sv": "Egenvård.", "en": "Self-care."},
    "ruleset_version": "cold@1.0.0;engine@1",
    "advice_id": "cold_self_care",
    "free_text_flags": [],
    "crisis_info": False,
}


class _Quiet:
    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        return None


@dataclass
class World:
    """The objects of the three sides: A (citizen A at unit A), B (citizen B at unit B), C (the guardian's child at
    unit A), and the session of every role."""

    api: Api
    tokens: dict[str, str | None] = field(default_factory=dict)
    shared: dict[str, dict[str, Any]] = field(default_factory=dict)
    slots: dict[str, list[str]] = field(default_factory=dict)
    counter: int = 0

    def next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:05d}"

    def as_(self, role: str, method: str, path: str, body: Any = None, key: bool = False) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        if key:
            headers["Idempotency-Key"] = self.next("matrix-key")
        return self.api.call(method, path, body=body, headers=headers)

    def ok(self, role: str, method: str, path: str, body: Any = None, key: bool = False) -> Any:
        status, answer = self.as_(role, method, path, body, key)
        assert 200 <= status < 300, (method, path, status, answer)
        return answer

    def unique(self) -> dict[str, str]:
        """Names that must differ from call to call: client ids, new template ids, a Monday of its own."""
        monday = date(2027, 1, 4) + timedelta(weeks=self.counter)
        return {"client_id": self.next("client"), "template_new": self.next("tmpl"), "monday": monday.isoformat()}

    # --- objects -------------------------------------------------------------------------------------------------

    def case(self, side: str, *, disposition: str = "chat", stranger: bool = False, at: str = "") -> str:
        """A fresh case of the side's patient at the side's unit, queued for a nurse (or self-care). A stranger's
        case (for routes only staff may call) keeps the side's patient's case list short: staff views list it."""
        case_id = self.next(f"case{side.lower()}")
        patient = PRINCIPALS[PATIENT[side]]
        now = bootstrap.utc_now()
        self_care = disposition == "self_care"
        created = Case.submit(
            case_id=case_id,
            tenant=TENANT,
            unit_id=at or UNIT[side],
            patient_ref=self.next("stranger") if stranger else CHILD.ref if side == "C" else patient.subject,
            submitted_by=patient.subject,
            reason=REASON[side],
            free_text=FREE_TEXT[side],
            priority=None if self_care else "P5",
            profession="nurse",
            now=now,
            disposition=disposition,
            triage=SELF_CARE_TRIAGE if self_care else {"deadline": (now + timedelta(days=7)).isoformat()},
            patient_name=CHILD.name if side == "C" else patient.display_name,
        )
        self.api.container.cases._cases.create(created, now=now, idempotency=(patient.subject, case_id, "h", {}))
        return case_id

    def claimed(self, side: str, stranger: bool = False) -> str:
        case_id = self.case(side, stranger=stranger)
        self.ok(HANDLER[side], "POST", f"/staff/cases/{case_id}/claim")
        return case_id

    def offered(self, side: str, count: int = 1) -> tuple[str, list[str]]:
        case_id = self.claimed(side)
        chosen = [self.slots[UNIT[side]].pop() for _ in range(count)]
        body = {"slot_ids": chosen, "client_id": self.next("offer")}
        self.ok(HANDLER[side], "POST", f"/staff/cases/{case_id}/offer", body)
        return case_id, chosen

    def booked(self, side: str, offer: int = 1) -> tuple[str, str, list[str]]:
        case_id, chosen = self.offered(side, offer)
        booking = self.ok(PATIENT[side], "POST", f"/citizen/cases/{case_id}/booking", {"slot_id": chosen[0]}, True)
        return case_id, booking["booking_id"], chosen

    def meeting(self, side: str) -> tuple[str, str]:
        case_id = self.claimed(side, stranger=True)
        meeting = self.ok(HANDLER[side], "POST", f"/staff/cases/{case_id}/video")
        return case_id, meeting["meeting_id"]

    def referred_in(self, side: str) -> str:
        """A case of the side's patient, referred to the side's unit from the other unit."""
        other = "B" if UNIT[side] == UNIT_A else "A"
        case_id = self.case(side, stranger=True, at=UNIT[other])
        self.ok(HANDLER[other], "POST", f"/staff/cases/{case_id}/claim")
        body = {"to_unit_id": UNIT[side], "to_profession": "nurse", **SBAR}
        self.ok(HANDLER[other], "POST", f"/staff/cases/{case_id}/refer", body, True)
        return case_id

    def draft(self, side: str) -> dict[str, Any]:
        body = {"unit_id": UNIT[side], "reason": REASON[side], "free_text": FREE_TEXT[side]}
        if side == "C":
            body["for_child"] = CHILD.ref
        draft = self.ok(PATIENT[side], "POST", "/citizen/triage", body, True)
        return dict(draft)


def _sessions(world: World) -> None:
    api = world.api
    for role, who in PRINCIPALS.items():
        world.tokens[role] = api.token(replace(who, tenant=TENANT))
    world.tokens["no_token"] = None
    now = datetime.now(UTC)
    foreign = SessionTokens(tenant="kalmar", signing_key="kalmar-session-key-of-at-least-32-characters")
    kalmar_nurse = replace(PRINCIPALS["nurse_unit"], tenant="kalmar", session_id="kalmar-session-1")
    world.tokens["other_region"] = foreign.issue(kalmar_nurse, now=now, expires_at=now + timedelta(hours=1))
    sessions = api.container.sessions
    real_clock = sessions._clock
    sessions._clock = lambda: now - timedelta(hours=11)  # opened 11 h ago: past the 10 h absolute limit
    try:
        world.tokens["expired"] = api.token(PRINCIPALS["nurse_unit"])
    finally:
        sessions._clock = real_clock


def _schedule(api: Api) -> None:
    api.container.directory.put_region(TENANT, {"self_booking": {"professions": [], "priorities": []}})
    # one day only, so that the number of slots is the same at any hour (moto's index queries grow with the table),
    # and the day after tomorrow, so that every time is more than 24 hours ahead and may still be cancelled online
    day = datetime.now(UTC).date() + timedelta(days=2)
    for unit_id, nurse, length in (
        (UNIT_A, PRINCIPALS["nurse_unit"], 30),
        (UNIT_B, PRINCIPALS["nurse_other_unit"], 60),
    ):
        api.container.booking._bookings.put_availability(
            TENANT,
            Availability(
                availability_id=f"{nurse.subject}-video",
                unit_id=unit_id,
                staff_hsa_id=nurse.subject,
                staff_name="Syster",
                profession="nurse",
                form="video",
                length_minutes=length,
                location="Videomöte",
                weekdays=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                start=time(6, 0),
                end=time(23, 0),
                valid_from=day,
                valid_to=day,
            ),
        )
    assert api.container.booking.materialise(TENANT, weeks=1) > 0


def _build(api: Api, monkeypatch: pytest.MonkeyPatch) -> World:
    for who in (*PRINCIPALS.values(), COLLEAGUE_A, COLLEAGUE_B, ADMIN_B):
        if who.is_staff:
            roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
            api.container.directory.put_staff(TENANT, who.subject, who.display_name, roles)
    monkeypatch.setattr(api.container.video, "_pusher", _Quiet())
    _schedule(api)
    region = api.container.directory.region(TENANT)
    partner = {"tenant": "granne", "name": "Region Granne", "url": "https://api.granne.example"}
    api.container.directory.set_region(TENANT, {**region, "partner_regions": [partner]})
    units = [{"unit_id": "SE-GRANNE-VC1", "name": "Vårdcentralen Granne", "professions": ["nurse"]}]
    monkeypatch.setattr(api.container.interregion, "_fetch_units", lambda url: units)
    # the region's key for referrals to other regions (and its public half at /interregion/jwks.json)
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=f"nara/{TENANT}/interregion/signing_key", SecretString=new_signing_key())
    world = World(api)
    _sessions(world)
    world.tokens["admin_b"] = api.token(ADMIN_B)

    for side in "AB":
        # the unit's free times, to offer (each offer takes its own)
        probe = world.case(side)
        found = world.ok(HANDLER[side], "GET", f"/staff/cases/{probe}/slots?form=video")
        world.slots[UNIT[side]] = [s["slot_id"] for s in found["slots"]]
    for side in "ABC":
        case_id, booking_id, chosen = world.booked(side, offer=3)
        world.ok(HANDLER[side], "POST", f"/cases/{case_id}/messages", {"text": "Hej!", "client_id": world.next("m")})
        meeting = world.ok(HANDLER[side], "POST", f"/staff/cases/{case_id}/video")
        admin = "admin" if UNIT[side] == UNIT_A else "admin_b"
        unit = UNIT[side]
        world.shared[side] = {
            "case_id": case_id,
            "booking_id": booking_id,
            "meeting_id": meeting["meeting_id"],
            **_fresh_draft(world, side),
            "unit_id": unit,
            "other_unit": UNIT_B if unit == UNIT_A else UNIT_A,
            "colleague": COLLEAGUE_A.subject if unit == UNIT_A else COLLEAGUE_B.subject,
            "hsa_id": COLLEAGUE_A.subject if unit == UNIT_A else COLLEAGUE_B.subject,
            "photo_id": "no-such-photo",
            "offered_slot": chosen[1],
            "offered_slot_2": chosen[2],
            "free_slot": world.slots[unit][-1],
            "week": _week(),
            "personal_number": {"A": "191212121212", "B": "199001012385", "C": "201905012383"}[side],
        }
        if side == "C":
            continue
        # unit objects: a template, an availability and an exception of the unit, made by its administrator
        template_id = world.next("tmpl")
        template = {"title": "Hälsning", "text": "Hej!", "template_id": template_id, "scope": "unit", "unit_id": unit}
        world.ok(admin, "POST", "/staff/templates", template)
        availability_id = world.next("avail")
        names = {"colleague": world.shared[side]["colleague"], **world.unique()}
        availability = _fill(BODY[("PUT", "/staff/units/{unit_id}/schedule/availability/{availability_id}")], names)
        world.ok(admin, "PUT", f"/staff/units/{unit}/schedule/availability/{availability_id}", availability)
        exception_id = world.next("exc")
        exception = BODY[("PUT", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}")]
        world.ok(admin, "PUT", f"/staff/units/{unit}/schedule/exceptions/{exception_id}", exception)
        world.shared[side] |= {"template_id": template_id, "availability_id": availability_id}
        settings = {k: v for k, v in world.ok(admin, "GET", f"/staff/units/{unit}/settings").items() if k in SETTINGS}
        settings |= {
            "address": settings["address"] or "Storgatan 1, Huskvarna",
            "phone": settings["phone"] or "036-10 00 00",
        }
        world.shared[side] |= {"exception_id": exception_id, "settings": settings}
    for name in ("template_id", "availability_id", "exception_id", "settings"):
        world.shared["C"][name] = world.shared["A"][name]
    return world


# How a route that changes a case gets fresh objects in the state it needs: (side) -> extra names for the cell.
Prepare = Callable[[World, str], dict[str, Any]]


def _fresh_case(world: World, side: str) -> dict[str, Any]:
    return {"case_id": world.case(side, stranger=True)}


def _fresh_claimed(world: World, side: str) -> dict[str, Any]:
    return {"case_id": world.claimed(side, stranger=True)}


def _fresh_claimed_patient(world: World, side: str) -> dict[str, Any]:
    return {"case_id": world.claimed(side)}  # the patient's own: the route checks the personnummer against it


def _fresh_self_care(world: World, side: str) -> dict[str, Any]:
    return {"case_id": world.case(side, disposition="self_care")}


def _fresh_offered(world: World, side: str) -> dict[str, Any]:
    case_id, chosen = world.offered(side, 1)
    return {"case_id": case_id, "offered_slot": chosen[0]}


def _fresh_booked(world: World, side: str) -> dict[str, Any]:
    case_id, booking_id, _ = world.booked(side)
    return {"case_id": case_id, "booking_id": booking_id}


def _fresh_rebookable(world: World, side: str) -> dict[str, Any]:
    case_id, booking_id, chosen = world.booked(side, offer=2)
    return {"case_id": case_id, "booking_id": booking_id, "offered_slot_2": chosen[1]}


def _fresh_meeting(world: World, side: str) -> dict[str, Any]:
    case_id, meeting_id = world.meeting(side)
    return {"case_id": case_id, "meeting_id": meeting_id}


def _fresh_referred(world: World, side: str) -> dict[str, Any]:
    return {"case_id": world.referred_in(side)}


def _fresh_draft(world: World, side: str) -> dict[str, Any]:
    draft = world.draft(side)
    step = draft["step"]["id"]
    return {"draft_id": draft["draft_id"], "step_id": step, "step_value": COLD.get(step, "no")}


def _answered_draft(world: World, side: str) -> dict[str, Any]:
    """A draft with one answer given, to go back from."""
    names = _fresh_draft(world, side)
    answer = {"step_id": names["step_id"], "value": names["step_value"]}
    world.ok(PATIENT[side], "POST", f"/citizen/triage/{names['draft_id']}/answers", answer)
    return names


def _free_slot(world: World, side: str) -> dict[str, Any]:
    return {"case_id": world.claimed(side, stranger=True), "free_slot": world.slots[UNIT[side]].pop()}


def _unit_admin(side: str) -> str:
    return "admin" if UNIT[side] == UNIT_A else "admin_b"


def _fresh_template(world: World, side: str) -> dict[str, Any]:
    template_id = world.next("tmpl")
    body = {"title": "Hälsning", "text": "Hej!", "template_id": template_id, "scope": "unit", "unit_id": UNIT[side]}
    world.ok(_unit_admin(side), "POST", "/staff/templates", body)
    return {"template_id": template_id}


def _new_availability(world: World, side: str) -> dict[str, Any]:
    return {"availability_id": world.next("avail")}


def _fresh_availability(world: World, side: str) -> dict[str, Any]:
    availability_id = world.next("avail")
    put = ("PUT", "/staff/units/{unit_id}/schedule/availability/{availability_id}")
    body = _fill(BODY[put], {**world.shared[side], **world.unique()})
    world.ok(_unit_admin(side), "PUT", f"/staff/units/{UNIT[side]}/schedule/availability/{availability_id}", body)
    return {"availability_id": availability_id}


def _new_exception(world: World, side: str) -> dict[str, Any]:
    return {"exception_id": world.next("exc")}


def _fresh_exception(world: World, side: str) -> dict[str, Any]:
    exception_id = world.next("exc")
    body = BODY[("PUT", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}")]
    world.ok(_unit_admin(side), "PUT", f"/staff/units/{UNIT[side]}/schedule/exceptions/{exception_id}", body)
    return {"exception_id": exception_id}


# Routes that change their object: every cell the table permits (2xx) gets fresh objects in the state the route
# needs, so that no permitted cell is decided by another. Refusals use one set made for the route (``ALL``) or the
# shared objects, which have a booking, offered times, a meeting and a message.
PREPARE: dict[tuple[str, str], Prepare] = {
    ("POST", "/citizen/cases/{case_id}/contact"): _fresh_self_care,
    ("POST", "/citizen/cases/{case_id}/booking"): _fresh_offered,
    ("PUT", "/citizen/cases/{case_id}/booking"): _fresh_rebookable,
    ("DELETE", "/citizen/cases/{case_id}/booking"): _fresh_booked,
    ("POST", "/staff/cases/{case_id}/claim"): _fresh_case,
    ("POST", "/staff/cases/{case_id}/release"): _fresh_claimed,
    ("POST", "/staff/cases/{case_id}/hand-over"): _fresh_claimed,
    ("POST", "/staff/cases/{case_id}/close"): _fresh_claimed,
    ("POST", "/staff/cases/{case_id}/override"): _fresh_claimed,
    ("POST", "/staff/cases/{case_id}/refer"): _fresh_claimed,
    ("POST", "/staff/cases/{case_id}/refer-region"): _fresh_claimed_patient,
    ("POST", "/staff/cases/{case_id}/referral/accept"): _fresh_referred,
    ("POST", "/staff/cases/{case_id}/referral/reject"): _fresh_referred,
    ("POST", "/staff/cases/{case_id}/offer"): _free_slot,
    ("POST", "/staff/cases/{case_id}/video"): _fresh_claimed,
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/end"): _fresh_meeting,
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/interpreter"): _fresh_meeting,
    ("DELETE", "/staff/bookings/{booking_id}"): _fresh_booked,
    ("PATCH", "/citizen/triage/{draft_id}"): _fresh_draft,
    ("POST", "/citizen/triage/{draft_id}/answers"): _fresh_draft,
    ("POST", "/citizen/triage/{draft_id}/back"): _answered_draft,
    ("POST", "/citizen/triage/{draft_id}/submit"): _fresh_draft,
    ("PUT", "/staff/templates/{template_id}"): _fresh_template,
    ("DELETE", "/staff/templates/{template_id}"): _fresh_template,
    ("PUT", "/staff/units/{unit_id}/schedule/availability/{availability_id}"): _new_availability,
    ("DELETE", "/staff/units/{unit_id}/schedule/availability/{availability_id}"): _fresh_availability,
    ("PUT", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"): _new_exception,
    ("DELETE", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"): _fresh_exception,
}
# Routes whose refusals, too, are made on a set of fresh objects of the route's own (the state decides the answer).
ALL = {
    ("POST", "/staff/cases/{case_id}/release"),
    ("POST", "/staff/cases/{case_id}/hand-over"),
    ("POST", "/staff/cases/{case_id}/close"),
    ("POST", "/staff/cases/{case_id}/override"),
    ("POST", "/staff/cases/{case_id}/refer"),
    ("POST", "/staff/cases/{case_id}/refer-region"),
    ("POST", "/staff/cases/{case_id}/referral/accept"),
    ("POST", "/staff/cases/{case_id}/referral/reject"),
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/end"),
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/interpreter"),
    ("POST", "/citizen/triage/{draft_id}/back"),
    ("POST", "/citizen/cases/{case_id}/contact"),
}
FRESH_SESSION = {("POST", "/auth/logout")}  # it ends the session: each cell logs out a session of its own


def _fill(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in names:
        return names[value[1:-1]]
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def _app_routes() -> set[tuple[str, str]]:
    import app as app_module  # after the ``api`` fixture: the app reads its settings on import

    return {(method, path) for path, methods in app_module.app.routes.items() for method in methods}


def _has_object(route: tuple[str, str]) -> bool:
    _, path = route
    params = {p.split("}")[0] for p in path.split("{")[1:]} - set(FIXED)
    return bool(params) or "{unit_id}" in QUERY.get(route, "") + json.dumps(BODY.get(route))


def _secrets(world: World, asked: dict[str, Any]) -> list[str]:
    """What a refusal must never contain: patients' reasons, descriptions and names, staff names, and case ids (not
    even the one asked for)."""
    words = [*REASON.values(), *FREE_TEXT.values(), CHILD.name, *(p.display_name for p in PRINCIPALS.values())]
    words += [COLLEAGUE_A.display_name, COLLEAGUE_B.display_name]
    words += [o["case_id"] for o in world.shared.values()] + [asked["case_id"]]
    return words


def _reaches_the_object(cell: Cell, access: Access) -> bool:
    """Whether the call gets past the session and the route's kind of user, so the object's state can matter."""
    if cell.role not in PRINCIPALS:
        return False
    citizen = cell.role in ("citizen_a", "citizen_b", "guardian")
    return not ((access is Access.STAFF and citizen) or (access is Access.CITIZEN and not citizen))


@dataclass
class Cell:
    route: tuple[str, str]
    role: str
    object: str  # "own", "other" or "-" (a route about no object)
    expected: str


def _cells() -> list[Cell]:
    cells = []
    for route, row in table.MATRIX.items():
        for role in table.ROLES:
            outcome = row[role]
            if _has_object(route):
                own, _, other = outcome.partition(" ")
                cells += [Cell(route, role, "own", own), Cell(route, role, "other", other or own)]
            else:
                assert " " not in outcome, f"{route} names no object: one outcome per role, not {outcome!r}"
                cells.append(Cell(route, role, "-", outcome))
    return cells


def _matches(status: int, expected: str) -> bool:
    return f"{status // 100}xx" == expected if expected.endswith("xx") else str(status) == expected


def test_every_route_of_the_app_is_in_the_matrix(api: Api) -> None:
    missing = _app_routes() - set(table.MATRIX)
    assert not missing, f"add these routes to tests/api/access_matrix.py: {sorted(missing)}"
    assert not set(table.MATRIX) - _app_routes(), "the matrix names a route the app no longer has"
    for route, row in table.MATRIX.items():
        assert set(row) == set(table.ROLES), f"{route}: a cell for every role, no more"


def test_every_cell_of_the_access_matrix(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    world = _build(api, monkeypatch)
    cells = _cells()
    differences: list[str] = []
    leaks: list[str] = []
    access = {(o.method, o.path): o.access for o in REGISTRY}
    by_route: dict[tuple[str, str], list[Cell]] = {}
    for cell in cells:
        by_route.setdefault(cell.route, []).append(cell)
    # the routes that only read or add come first, on the shared objects; then those that change their object, on
    # fresh ones (so the lists the first ones read stay short); logging out last
    order = sorted(by_route, key=lambda r: (r in FRESH_SESSION, r in PREPARE))
    for route in order:
        route_cells = by_route[route]
        method, path = route
        fresh = PREPARE.get(route)
        sides = {side: {**world.shared[side], **FIXED} for side in "ABC"}
        prepared: dict[str, dict[str, Any]] = {}
        # refusals first, so that what a permitted role then changes does not decide another cell
        for cell in sorted(route_cells, key=lambda c: c.expected.endswith("xx")):
            side = table.OBJECT[cell.role]["other" if cell.object == "other" else "own"]
            names = {**sides[side], **world.unique()}
            if fresh is not None and cell.expected == "2xx":
                names |= fresh(world, side)
            elif fresh is not None and route in ALL and _reaches_the_object(cell, access[route]):
                if side not in prepared:
                    prepared[side] = fresh(world, side)
                names |= prepared[side]
            url = path.format(**names) + QUERY.get(route, "").format(**names)
            headers = {}
            token = world.tokens[cell.role]
            if route in FRESH_SESSION and cell.role in PRINCIPALS:
                token = api.token(replace(PRINCIPALS[cell.role], tenant=TENANT))
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            if route in IDEMPOTENT:
                headers["Idempotency-Key"] = world.next("matrix-key")
            body = _fill(BODY[route], names) if route in BODY else None
            status, answer = api.call(method, url, body=body, headers=headers)
            where = f"{method} {path} as {cell.role} on {cell.object} ({side})"
            if not _matches(status, cell.expected):
                differences.append(f"{where}: expected {cell.expected}, got {status} {str(answer)[:160]}")
            if status in (401, 403, 404):
                text = json.dumps(answer, ensure_ascii=False)
                found = [s for s in _secrets(world, names) if s in text]
                if found:
                    leaks.append(f"{where}: {status} carries {found}")
    print(f"access matrix: {len(table.MATRIX)} routes, {len(table.ROLES)} roles, {len(cells)} cells")
    assert not leaks, "\n".join(leaks)
    assert not differences, f"{len(differences)} of {len(cells)} cells differ:\n" + "\n".join(differences)

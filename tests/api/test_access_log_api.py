"""The patient-data access log over the API: every route that touches patient data writes exactly one record per
call (the test enumerates the app's routes), no record means no data, the citizen's own extract, and the unit
admins' review (search, sample, itself logged)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib import bootstrap
from chalicelib.adapters import dynamo
from chalicelib.api.openapi import REGISTRY
from chalicelib.domain.model import Principal
from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff
from tests.api.test_booking_api import setup_schedule
from tests.api.test_statistics_api import flow_events

TENANT = "testregion"
ANNA = citizen("191212121212", "Anna")
BERTIL = citizen("199001012385", "Bertil")
NURSE_A = staff("SE-NURSE-1", (UNIT_A, "nurse"), name="Syster Sara")
NURSE_A2 = staff("SE-S4", (UNIT_A, "nurse"), name="Sjuksköterska Två")
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"), name="Sjuksköterska B")
ADMIN_A = staff("SE-ADM-1", (UNIT_A, "admin"), name="Johan Ek")
SBAR = {
    "situation": "Hosta sedan tre veckor.",
    "background": "Ingen känd lungsjukdom.",
    "assessment": "Behöver bedömas på B.",
    "recommendation": "Ring patienten i dag.",
}
CLOSE = {"outcome": "advice_given", "summary": "Halsont sedan tre dagar. Råd om egenvård."}

# Every route a logged-in staff member can call, and whether it touches patient data. A route that is not in this
# table fails the test: whoever adds it decides here whether it must write an access record.
PATIENT_DATA = "patient data: one access record per call"
NOT_PATIENT_DATA = "no patient data"
LIST = "a list (queue, my cases): one record per case shown, once per staff member and day (its own test)"
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/staff/cases/{case_id}"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/claim"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/release"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/hand-over"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/close"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/override"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/refer"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/referral/accept"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/referral/reject"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/refer-region"): PATIENT_DATA,
    ("GET", "/staff/regions"): NOT_PATIENT_DATA + " (the partner regions and their units)",
    ("GET", "/cases/{case_id}/messages"): PATIENT_DATA,
    ("POST", "/cases/{case_id}/messages"): PATIENT_DATA,
    ("POST", "/cases/{case_id}/read"): NOT_PATIENT_DATA + " (moves the staff side's read mark, answers the marks)",
    ("POST", "/staff/cases/{case_id}/photo-request"): PATIENT_DATA,
    ("GET", "/staff/cases/{case_id}/photos"): PATIENT_DATA,
    ("GET", "/staff/cases/{case_id}/photos/{photo_id}"): PATIENT_DATA,
    ("GET", "/staff/cases/{case_id}/journal"): PATIENT_DATA,
    ("GET", "/staff/cases/{case_id}/fhir"): PATIENT_DATA,
    ("GET", "/staff/cases/{case_id}/slots"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/offer"): PATIENT_DATA,
    ("GET", "/staff/units/{unit_id}/bookings"): PATIENT_DATA + " (one per patient shown)",
    ("POST", "/staff/bookings/{booking_id}/no-show"): PATIENT_DATA,
    ("DELETE", "/staff/bookings/{booking_id}"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/video"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/end"): PATIENT_DATA,
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/interpreter"): PATIENT_DATA,
    ("GET", "/staff/units/{unit_id}/access-log"): PATIENT_DATA + " (one per patient shown, ground review)",
    ("POST", "/staff/units/{unit_id}/access-log/sample"): PATIENT_DATA + " (one per patient shown, ground review)",
    ("GET", "/staff/units/{unit_id}/statistics"): NOT_PATIENT_DATA + " (counters: codes and numbers)",
    ("GET", "/staff/units/{unit_id}/statistics.csv"): NOT_PATIENT_DATA + " (counters: codes and numbers)",
    ("GET", "/staff/units/{unit_id}/triage-quality"): PATIENT_DATA + " (one per overridden case shown, ground review)",
    ("GET", "/staff/queue"): LIST,
    ("GET", "/staff/my-cases"): LIST,
    ("POST", "/auth/logout"): NOT_PATIENT_DATA,
    ("POST", "/auth/ws-ticket"): NOT_PATIENT_DATA,
    ("GET", "/me"): NOT_PATIENT_DATA,
    ("GET", "/video/ice-servers"): NOT_PATIENT_DATA,
    ("POST", "/staff/units/{unit_id}/phone-invites"): NOT_PATIENT_DATA + " (an SMS login link to a phone number)",
    ("GET", "/staff/units/{unit_id}/schedule"): NOT_PATIENT_DATA,
    ("PUT", "/staff/units/{unit_id}/schedule/availability/{availability_id}"): NOT_PATIENT_DATA,
    ("DELETE", "/staff/units/{unit_id}/schedule/availability/{availability_id}"): NOT_PATIENT_DATA,
    ("PUT", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"): NOT_PATIENT_DATA,
    ("DELETE", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"): NOT_PATIENT_DATA,
    ("GET", "/staff/templates"): NOT_PATIENT_DATA,
    ("GET", "/staff/units/{unit_id}/settings"): NOT_PATIENT_DATA + " (the unit's settings and staff)",
    ("GET", "/staff/units/{unit_id}/entry-links"): NOT_PATIENT_DATA + " (the unit's links, QR codes and snippet)",
    ("PUT", "/staff/units/{unit_id}/settings"): NOT_PATIENT_DATA,
    ("PUT", "/staff/units/{unit_id}/staff/{hsa_id}"): NOT_PATIENT_DATA,
    ("GET", "/staff/region/access"): NOT_PATIENT_DATA,
    ("GET", "/staff/region"): NOT_PATIENT_DATA + " (the region's settings, units and administrators)",
    ("PUT", "/staff/region/settings"): NOT_PATIENT_DATA,
    ("PUT", "/staff/region/logo"): NOT_PATIENT_DATA,
    ("PUT", "/staff/region/units/{unit_id}"): NOT_PATIENT_DATA,
    ("PUT", "/staff/region/admins/{hsa_id}"): NOT_PATIENT_DATA,
    ("GET", "/staff/region/routing"): NOT_PATIENT_DATA + " (the rules, the units, how many wait: counts)",
    ("POST", "/staff/region/routing/simulate"): NOT_PATIENT_DATA + " (the simulator: facts the admin gives)",
    ("POST", "/staff/templates"): NOT_PATIENT_DATA,
    ("PUT", "/staff/templates/{template_id}"): NOT_PATIENT_DATA,
    ("DELETE", "/staff/templates/{template_id}"): NOT_PATIENT_DATA,
}


def _staff_routes() -> set[tuple[str, str]]:
    """Every route of the app that a staff member may call (a route without a declared access counts too)."""
    import app as app_module  # after the ``api`` fixture: the app reads its settings on import

    access = {(o.method, o.path): o.access.value for o in REGISTRY}
    every = {(method, path) for path, methods in app_module.app.routes.items() for method in methods}
    return {route for route in every if access.get(route, "staff") in ("staff", "any")}


def _records(api: Api, who: Principal = ANNA) -> list[dict[str, Any]]:
    return list(api.container.audit_log.of_patient(TENANT, who.subject))


class _Quiet:
    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        return None


def _touches_patient_data(route: tuple[str, str]) -> bool:
    return ROUTES[route].startswith(PATIENT_DATA) or ROUTES[route] == LIST


def _unwritable(*_: Any, **__: Any) -> None:
    raise RuntimeError("the audit table cannot be written")


# What a request made while the access log cannot be written must not show: the patients' names, personnummer,
# reasons, free text, messages, SBAR, the nurse's notes (and the case ids, added as the journey makes them).
SECRETS = (
    "Anna",
    "Bertil",
    "191212121212",
    "19121212-1212",
    "199001012385",
    "Halsont",
    "Ont i halsen",
    "Hej Anna",
    "Hosta sedan",
    "Bedömd i chatten",
    "Råd om egenvård",
    "Fel enhet",
)
# Items a refused request may write: each call opens the caller's session (the test logs in per call), and a message
# counts against its sender's rate before it is logged (per client id: the retry is not counted again).
MAY_CHANGE = ("#SESSION#", "#SESSIONSOF#", "#RATE#")


@dataclass
class Journey:
    """A nurse's whole work with Anna's case through the API, one route at a time, counting access records.

    With ``refuse_first`` every call of a route that touches patient data is made first with the access log
    unwritable: it must answer 500 with the API's bare error, show no patient data and change nothing (every stored
    item, and Anna's case and timeline as she sees them); then it is made again as usual."""

    api: Api
    case_id: str = ""
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    refuse_first: bool = False
    aws: dict[str, Any] = field(default_factory=dict)  # the moto region (``aws`` fixture): its stored items compared
    others: list[str] = field(default_factory=list)  # the case ids of other patients' cases
    refused: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # what each refused call got wrong

    def call(
        self,
        route: tuple[str, str],
        who: Principal,
        *,
        body: Any = None,
        query: str = "",
        headers: dict[str, str] | None = None,
        expect: int = 200,
        **ids: str,
    ) -> Any:
        method, template = route
        path = template.format(case_id=self.case_id, **ids) + query
        if self.refuse_first and _touches_patient_data(route):
            self.refused[route] = self._without_a_record(method, path, who, body, headers)
        before = len(_records(self.api))
        status, answer = self.api.call(method, path, who=who, body=body, headers=headers)
        assert status == expect, (route, status, answer)
        written = _records(self.api)[before:]
        self.seen[route] = len(written)
        assert all(r["actor"] == who.subject for r in written), (route, written)
        return answer

    def _without_a_record(
        self, method: str, path: str, who: Principal, body: Any, headers: dict[str, str] | None
    ) -> list[str]:
        before = self._state()
        with pytest.MonkeyPatch.context() as broken:
            broken.setattr(self.api.container.audit_log, "record", _unwritable)
            broken.setattr(self.api.container.audit_log, "record_listed", _unwritable)
            status, answer = self.api.call(method, path, who=who, body=body, headers=headers)
        after = self._state()
        wrong: list[str] = []
        error = answer.get("error") if isinstance(answer, dict) else None
        if status != 500 or set(answer or {}) != {"error"} or not error or error.get("code") != "internal_error":
            wrong.append(f"answered {status} {answer!r}")
        text = json.dumps(answer, ensure_ascii=False)
        shown = [s for s in (*SECRETS, self.case_id, *self.others) if s and s in text]
        if shown:
            wrong.append(f"showed {shown}")
        if before[0] != after[0]:
            keys = set(before[0]) | set(after[0])
            wrong.append(f"changed {sorted(k for k in keys if before[0].get(k) != after[0].get(k))}")
        if before[1] != after[1]:
            wrong.append(f"changed the case as Anna sees it: {before[1]} -> {after[1]}")
        return wrong

    def _state(self) -> tuple[dict[tuple[str, str], Any], Any]:
        """Every item of the main table but sessions and rate counters (the case, its messages, timeline and read
        marks, the queues, bookings and slots, meetings, kept data, …), and Anna's case with its timeline as she
        sees it. The items are read from moto's own table: those a Scan gives, without its copying and sizing of
        every item (about a second a Scan here)."""
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][self.aws["dynamodb"].meta.region_name]
        table = backend.get_table(self.aws["resources"].main_table["TableName"])
        stored = {
            (item.hash_key.value, item.range_key.value): item.to_json()
            for item in table.all_items()
            if item.range_key is not None and not any(part in item.hash_key.value for part in MAY_CHANGE)
        }
        return stored, self.api.call("GET", f"/citizen/cases/{self.case_id}", who=ANNA)


def _work_through_every_route(api: Api, monkeypatch: pytest.MonkeyPatch, j: Journey | None = None) -> Journey:
    for who in (NURSE_A, NURSE_A2, NURSE_B, ADMIN_A):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        api.container.directory.put_staff(TENANT, who.subject, who.display_name, roles)
    monkeypatch.setattr(api.container.video, "_pusher", _Quiet())
    setup_schedule(api.container, profession="nurse", form="video", hsa=NURSE_A.subject)
    j = j or Journey(api)
    j.case_id = str(send_case(api, ANNA)["case_id"])
    case = "/staff/cases/{case_id}"
    j.call(("GET", case), NURSE_A)
    j.call(("POST", f"{case}/claim"), NURSE_A)
    j.call(("POST", f"{case}/override"), NURSE_A, body={"priority": "P4", "reason": "Bedömd i chatten"})
    # a partner region (its stack is another process; here its public list of units is given)
    region = api.container.directory.region(TENANT)
    partner = {"tenant": "granne", "name": "Region Granne", "url": "https://api.granne.example"}
    api.container.directory.set_region(TENANT, {**region, "partner_regions": [partner]})
    units = [{"unit_id": "SE-GRANNE-VC1", "name": "Vårdcentralen Granne", "professions": ["nurse"]}]
    monkeypatch.setattr(api.container.interregion, "_fetch_units", lambda url: units)
    j.call(("GET", "/staff/regions"), NURSE_A)
    to_region = {"to_region": "granne", "to_unit_id": "SE-GRANNE-VC1", "to_profession": "nurse", **SBAR}
    to_region |= {"consent": "chat", "personal_number": "191212121212"}
    j.call(("POST", f"{case}/refer-region"), NURSE_A, body=to_region, headers={"Idempotency-Key": "region-key-01"})
    j.call(("GET", "/cases/{case_id}/messages"), NURSE_A)
    j.call(("POST", "/cases/{case_id}/messages"), NURSE_A, body={"text": "Hej Anna!", "client_id": "m-1"}, expect=201)
    j.call(("POST", "/cases/{case_id}/read"), NURSE_A, body={"seq": 1})
    j.call(("POST", f"{case}/photo-request"), NURSE_A, body={"client_id": "ask-1"}, expect=201)
    j.call(("GET", f"{case}/photos"), NURSE_A)
    # The record is written before the photo is looked up: even a photo that is not there is logged as a read.
    j.call(("GET", f"{case}/photos/{{photo_id}}"), NURSE_A, photo_id="no-such-photo", expect=404)
    j.call(("GET", f"{case}/journal"), NURSE_A)
    j.call(("GET", f"{case}/fhir"), NURSE_A)
    offerable = j.call(("GET", f"{case}/slots"), NURSE_A, query="?form=video")["slots"]
    chosen = [s["slot_id"] for s in offerable[:2]]
    j.call(("POST", f"{case}/offer"), NURSE_A, body={"slot_ids": chosen, "client_id": "offer-1"}, expect=201)
    booking = _book(api, j.case_id, chosen[0], "book-key-0001")
    today = datetime.now(UTC).date()
    window = f"?from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=8)).isoformat()}"
    j.call(("GET", "/staff/units/{unit_id}/bookings"), NURSE_A, unit_id=UNIT_A, query=window)
    j.call(
        ("DELETE", "/staff/bookings/{booking_id}"), NURSE_A, booking_id=booking["booking_id"], body={"message": "Sjuk."}
    )
    booking = _book(api, j.case_id, chosen[1], "book-key-0002")
    start = datetime.fromisoformat(booking["slot"]["start"])
    monkeypatch.setattr(api.container.booking, "_clock", lambda: start + timedelta(minutes=10))
    j.call(("POST", "/staff/bookings/{booking_id}/no-show"), NURSE_A, booking_id=booking["booking_id"])
    monkeypatch.setattr(api.container.booking, "_clock", bootstrap.utc_now)
    meeting = j.call(("POST", f"{case}/video"), NURSE_A, expect=201)
    video = f"{case}/video/{{meeting_id}}"
    headers = {"Idempotency-Key": "invite-key-0001"}
    j.call(("POST", f"{video}/interpreter"), NURSE_A, meeting_id=meeting["meeting_id"], headers=headers, expect=201)
    j.call(("POST", f"{video}/end"), NURSE_A, meeting_id=meeting["meeting_id"])
    j.call(("POST", f"{case}/hand-over"), NURSE_A, body={"to_hsa_id": NURSE_A2.subject})
    j.call(("POST", f"{case}/release"), NURSE_A2)
    refer = {"to_unit_id": UNIT_B, "to_profession": "nurse", **SBAR}
    api.call("POST", f"/staff/cases/{j.case_id}/claim", who=NURSE_A)
    j.call(("POST", f"{case}/refer"), NURSE_A, body=refer, headers={"Idempotency-Key": "refer-key-0001"})
    j.call(("POST", f"{case}/referral/reject"), NURSE_B, body={"reason": "Fel enhet, hör av er till A."})
    api.call("POST", f"/staff/cases/{j.case_id}/claim", who=NURSE_A)
    api.call(
        "POST",
        f"/staff/cases/{j.case_id}/refer",
        who=NURSE_A,
        body=refer,
        headers={"Idempotency-Key": "refer-key-0002"},
    )
    j.call(("POST", f"{case}/referral/accept"), NURSE_B)
    j.call(("POST", f"{case}/close"), NURSE_B, body=CLOSE)
    log = "/staff/units/{unit_id}/access-log"
    j.call(("GET", log), ADMIN_A, unit_id=UNIT_A, query=f"?staff={NURSE_A.subject}")
    j.call(("POST", f"{log}/sample"), ADMIN_A, unit_id=UNIT_A, body={"size": 5})
    j.call(("GET", "/staff/units/{unit_id}/statistics"), ADMIN_A, unit_id=UNIT_A)
    j.call(("GET", "/staff/units/{unit_id}/statistics.csv"), ADMIN_A, unit_id=UNIT_A)
    flow_events(api)  # the stats consumer lists the nurse's override for review
    j.call(("GET", "/staff/units/{unit_id}/triage-quality"), ADMIN_A, unit_id=UNIT_A)
    # the lists, last (so the sample above is drawn from Anna's records only): Bertil's case in the unit's queue,
    # then in the nurse's Pågående
    bertils = str(send_case(api, BERTIL, key="case-key-bertil")["case_id"])
    j.others.append(bertils)
    j.call(("GET", "/staff/queue"), NURSE_A, query=f"?unit_id={UNIT_A}")
    assert api.call("POST", f"/staff/cases/{bertils}/claim", who=NURSE_A)[0] == 200
    j.call(("GET", "/staff/my-cases"), NURSE_A)
    return j


def _book(api: Api, case_id: str, slot_id: str, key: str) -> dict[str, Any]:
    status, booking = api.call(
        "POST",
        f"/citizen/cases/{case_id}/booking",
        who=ANNA,
        body={"slot_id": slot_id},
        headers={"Idempotency-Key": key},
    )
    assert status == 201, booking
    return dict(booking)


def test_every_staff_route_is_classified(api: Api) -> None:
    unclassified = _staff_routes() - set(ROUTES)
    assert not unclassified, f"classify these routes in ROUTES (do they touch patient data?): {sorted(unclassified)}"
    assert not set(ROUTES) - _staff_routes(), "ROUTES names a route the app no longer has"


def test_every_route_that_touches_patient_data_writes_exactly_one_access_record_per_call(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey = _work_through_every_route(api, monkeypatch)
    patient_routes = {r for r, kind in ROUTES.items() if kind.startswith(PATIENT_DATA)}
    assert patient_routes <= set(journey.seen), f"not called: {sorted(patient_routes - set(journey.seen))}"
    wrong = {r: n for r, n in journey.seen.items() if n != (1 if r in patient_routes else 0)}
    assert not wrong, f"access records written per call, where 1 (patient data) or 0 was due: {wrong}"


def test_the_record_says_who_on_what_ground_and_never_expires(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    for who in (NURSE_A, NURSE_B):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        api.container.directory.put_staff(TENANT, who.subject, who.display_name, roles)
    case_id = send_case(api, ANNA)["case_id"]
    assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)[0] == 200
    assert api.call("POST", f"/staff/cases/{case_id}/claim", who=NURSE_A)[0] == 200
    refer = {"to_unit_id": UNIT_B, "to_profession": "nurse", **SBAR}
    headers = {"Idempotency-Key": "refer-key-0009"}
    assert api.call("POST", f"/staff/cases/{case_id}/refer", who=NURSE_A, body=refer, headers=headers)[0] == 200
    assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_B)[0] == 200
    records = _records(api)
    assert [(r["actor"], r["action"], r["ground"], r["unit_id"]) for r in records] == [
        (NURSE_A.subject, "read_case", "unit_queue", UNIT_A),
        (NURSE_A.subject, "claim_case", "unit_queue", UNIT_A),  # taken from the unit's queue: not hers until then
        (NURSE_A.subject, "refer_case", "claimed", UNIT_A),
        (NURSE_B.subject, "read_case", "referral", UNIT_B),
    ]
    assert records[0]["actor_roles"] == ["nurse"] and records[0]["case_id"] == case_id
    assert not hasattr(dynamo.DynamoAuditLog, "update") and not hasattr(dynamo.DynamoAuditLog, "delete")


def test_a_list_writes_one_record_per_case_shown_once_per_staff_member_and_day(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    annas = send_case(api, ANNA, key="case-key-anna")["case_id"]
    bertils = send_case(api, BERTIL, key="case-key-bertil")["case_id"]

    def listed(who: Principal, action: str) -> list[tuple[str, str, str, str]]:
        return [
            (r["actor"], r["case_id"], r["ground"], r["unit_id"]) for r in _records(api, who) if r["action"] == action
        ]

    queue = f"/staff/queue?unit_id={UNIT_A}"
    for _ in range(3):  # the queue page refreshes: the same day's repeats add nothing
        assert api.call("GET", queue, who=NURSE_A)[0] == 200
    assert listed(ANNA, "list_queue") == [(NURSE_A.subject, annas, "unit_queue", UNIT_A)]
    assert listed(BERTIL, "list_queue") == [(NURSE_A.subject, bertils, "unit_queue", UNIT_A)]
    assert api.call("GET", queue, who=NURSE_A2)[0] == 200  # another nurse: her own record
    assert [r[0] for r in listed(ANNA, "list_queue")] == [NURSE_A.subject, NURSE_A2.subject]
    assert api.call("GET", f"/staff/queue?unit_id={UNIT_B}", who=NURSE_B)[0] == 200  # a queue without them
    assert len(listed(ANNA, "list_queue")) == 2

    # Pågående: once she holds Anna's case, on the ground that she holds it; the next day the lists log again
    assert api.call("POST", f"/staff/cases/{annas}/claim", who=NURSE_A)[0] == 200
    assert api.call("GET", "/staff/my-cases", who=NURSE_A)[0] == 200
    assert api.call("GET", "/staff/my-cases", who=NURSE_A)[0] == 200
    assert listed(ANNA, "list_held") == [(NURSE_A.subject, annas, "claimed", UNIT_A)]
    assert listed(BERTIL, "list_held") == []
    tomorrow = bootstrap.utc_now() + timedelta(days=1)
    monkeypatch.setattr(api.container.audit, "_clock", lambda: tomorrow)
    assert api.call("GET", queue, who=NURSE_A)[0] == 200
    assert api.call("GET", "/staff/my-cases", who=NURSE_A)[0] == 200
    assert len(listed(BERTIL, "list_queue")) == 3 and len(listed(ANNA, "list_held")) == 2
    status, extract = api.call("GET", "/citizen/access-log", who=ANNA)
    assert status == 200
    assert "såg ditt ärende i enhetens kö" in [e["action_text"]["sv"] for e in extract["entries"]]


def test_no_access_record_no_data(api: Api, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every route that touches patient data (ROUTES), called with the access log unwritable at each step of the
    journey, answers the bare 500, shows no patient data and changes nothing; the same call then goes through."""
    journey = _work_through_every_route(api, monkeypatch, Journey(api, refuse_first=True, aws=aws))
    due = {r for r in ROUTES if _touches_patient_data(r)}
    assert due <= set(journey.refused), f"not called: {sorted(due - set(journey.refused))}"
    wrong = {" ".join(r): problems for r, problems in journey.refused.items() if problems}
    assert not wrong, f"with the access log unwritable: {json.dumps(wrong, ensure_ascii=False, indent=1)}"


def test_the_citizens_extract_shows_exactly_the_accesses_to_her_data(api: Api) -> None:
    annas = send_case(api, ANNA, key="case-key-anna")["case_id"]
    bertils = send_case(api, BERTIL, key="case-key-bertil")["case_id"]
    for case_id in (annas, bertils):
        assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)[0] == 200
    assert api.call("POST", f"/staff/cases/{annas}/claim", who=NURSE_A)[0] == 200
    assert api.call("GET", f"/staff/cases/{annas}/journal", who=NURSE_A)[0] == 200

    status, extract = api.call("GET", "/citizen/access-log", who=ANNA)
    assert status == 200, extract
    entries = extract["entries"]
    assert [(e["action"], e["ground"], e["unit_id"], e["roles"]) for e in entries] == [
        ("journal_note", "claimed", UNIT_A, ["nurse"]),  # newest first
        ("claim_case", "unit_queue", UNIT_A, ["nurse"]),
        ("read_case", "unit_queue", UNIT_A, ["nurse"]),
    ]
    assert entries[1]["action_text"] == {"sv": "tog ärendet", "en": "took the case"}
    assert entries[0]["ground_text"] == {"sv": "hade ditt ärende", "en": "was handling your case"}
    assert entries[2]["ground_text"]["sv"] == "ärendet fanns hos enheten"
    assert extract["cursor"] is None
    text = str(extract)
    assert NURSE_A.subject not in text and "Syster Sara" not in text and bertils not in text  # nobody's names, ids
    status, his = api.call("GET", "/citizen/access-log", who=BERTIL)
    assert [e["action"] for e in his["entries"]] == ["read_case"]
    assert api.call("GET", "/citizen/access-log", who=NURSE_A)[0] == 403
    assert api.call("GET", f"/citizen/access-log?ward={BERTIL.subject}", who=ANNA)[0] == 404  # not her child


def test_the_extract_pages_newest_first_with_a_cursor(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = send_case(api, ANNA)["case_id"]
    for _ in range(5):
        assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)[0] == 200
    monkeypatch.setattr("chalicelib.api.accesslog.EXTRACT_PAGE", 2)
    seen: list[str] = []
    cursor = ""
    for _ in range(4):
        status, page = api.call("GET", f"/citizen/access-log{'?cursor=' + cursor if cursor else ''}", who=ANNA)
        assert status == 200 and len(page["entries"]) <= 2
        seen += [e["at"] for e in page["entries"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    assert api.call("GET", "/citizen/access-log?cursor=bm9wZQ", who=ANNA)[0] == 422


def test_review_is_for_the_units_admins_only_and_is_itself_logged(api: Api) -> None:
    annas = send_case(api, ANNA, key="case-key-anna")["case_id"]
    bertils = send_case(api, BERTIL, key="case-key-bertil")["case_id"]
    for case_id in (annas, bertils):
        assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)[0] == 200
    log = f"/staff/units/{UNIT_A}/access-log"

    status, found = api.call("GET", f"{log}?patient=19121212-1212", who=ADMIN_A)
    assert status == 200, found
    assert [(r["actor"], r["case_id"], r["action"]) for r in found["records"]] == [
        (NURSE_A.subject, annas, "read_case")
    ]
    assert found["records"][0]["actor_name"] == "Syster Sara"
    review = _records(api)[-1]
    assert (review["actor"], review["action"], review["ground"], review["unit_id"]) == (
        ADMIN_A.subject,
        "review_access_log",
        "review",
        UNIT_A,
    )
    status, by_staff = api.call("GET", f"{log}?staff={NURSE_A.subject}", who=ADMIN_A)
    assert status == 200 and {r["case_id"] for r in by_staff["records"]} == {annas, bertils}
    assert [r["action"] for r in _records(api, BERTIL)][-1] == "review_access_log"  # each patient shown

    assert api.call("GET", f"{log}?staff={NURSE_A.subject}", who=NURSE_A)[0] == 403  # staff, not admin
    assert api.call("GET", f"/staff/units/{UNIT_B}/access-log?staff=x", who=ADMIN_A)[0] == 404  # not their unit
    assert api.call("GET", f"{log}?staff=x", who=ANNA)[0] == 403
    status, bad = api.call("GET", f"{log}?patient=19121212-1213", who=ADMIN_A)
    assert status == 422 and bad["error"]["message_sv"].startswith("Ogiltigt personnummer")
    status, bad = api.call("GET", log, who=ADMIN_A)
    assert status == 422 and bad["error"]["message_sv"]


def test_a_random_sample_respects_its_size_and_the_unit(api: Api) -> None:
    cases = [send_case(api, who, key=f"case-key-{i}")["case_id"] for i, who in enumerate((ANNA, BERTIL))]
    for case_id in cases:
        for _ in range(3):
            assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)[0] == 200
    assert api.call("GET", f"/staff/cases/{cases[0]}", who=NURSE_B)[0] == 404  # another unit: nothing written
    sample = f"/staff/units/{UNIT_A}/access-log/sample"
    status, drawn = api.call("POST", sample, who=ADMIN_A, body={"size": 4})
    assert status == 200, drawn
    assert len(drawn["records"]) == 4 and {r["unit_id"] for r in drawn["records"]} == {UNIT_A}
    assert len({r["record_id"] for r in drawn["records"]}) == 4
    status, everything = api.call("POST", sample, who=ADMIN_A, body={"size": 50})
    assert status == 200 and len(everything["records"]) >= 6  # all there are (the first sample's reviews too)
    assert api.call("POST", sample, who=ADMIN_A, body={"size": 0})[0] == 422
    assert api.call("POST", sample, who=NURSE_A, body={"size": 4})[0] == 403
    status, bad = api.call("POST", sample, who=ADMIN_A, body={"size": 4, "from": "2026-12-01", "to": "2026-11-01"})
    assert status == 422 and bad["error"]["field"] == "from"


def test_looking_up_a_patient_is_logged_even_when_nothing_is_found(api: Api) -> None:
    # nobody has read Bertil's data at unit A: the search finds nothing, but that Johan looked him up is his business
    status, found = api.call("GET", f"/staff/units/{UNIT_A}/access-log?patient=19900101-2385", who=ADMIN_A)
    assert status == 200 and found["records"] == []
    [review] = _records(api, BERTIL)
    assert (review["actor"], review["action"], review["ground"], review["unit_id"]) == (
        ADMIN_A.subject,
        "review_access_log",
        "review",
        UNIT_A,
    )

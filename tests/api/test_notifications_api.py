"""Notices to citizens against DynamoDB, SNS and SES (moto): each event kind notifies as docs/notifications.md says,
a redelivered event sends nothing twice, a connected citizen gets no message notice, the region's interval, quiet
hours and SMS provider apply; and "from phone to digital": staff send a caller a login link for their unit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from pynamodb.connection import Connection

from chalicelib.adapters import dynamo
from chalicelib.adapters.notify import SmsProviders, SnsSms, sms_token_secret
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case
from chalicelib.domain.notices import SWEDISH_TIME, kind_of
from chalicelib.services.notify import NotificationService
from tests.api.conftest import UNIT_A, UNIT_B, Api, People, send_case

REGION = "eu-north-1"
SENDER = "no-reply@nara.example"
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=SWEDISH_TIME)
NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=SWEDISH_TIME)


@pytest.fixture(autouse=True)
def _senders(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployment sends SMS with SNS and e-mail with SES (set before the container is built)."""
    monkeypatch.setenv("NARA_SMS_SENDER_ID", "Nara")
    monkeypatch.setenv("NARA_EMAIL_SENDER", SENDER)
    monkeypatch.setenv("NARA_PUBLIC_ORIGIN", "https://nara.example")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now


def _sms() -> list[tuple[str, str]]:
    return [(m[0], m[1]) for m in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()]


def _emails() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def _service(container: Any, clock: Clock, sms: Any = None) -> NotificationService:
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    return NotificationService(
        dynamo.DynamoCases(Connection(region=REGION)),
        dynamo.DynamoNoticeLog(),
        dynamo.DynamoNoticeEvents(),
        container.directory,
        dynamo.DynamoConnections(),
        clock=clock,
        link="https://nara.example/citizen/",
        sms=sms or SnsSms(sender_id="Nara", region=REGION),
        email=container.notify._email,
    )


def _case(container: Any, case_id: str, **notify: Any) -> Case:
    tenant = container.settings.tenant
    container.directory.put_unit(tenant, UNIT_A, "Vårdcentralen A", {})
    case = Case.submit(
        case_id=case_id,
        tenant=tenant,
        unit_id=UNIT_A,
        patient_ref=f"patient-{case_id}",
        reason="Yrsel och svimningskänsla",
        free_text="Tar Waranvex",
        priority="P3",
        profession="nurse",
        now=NOON,
        disposition="chat",
        **notify,
    )
    return dynamo.DynamoCases(Connection(region=REGION)).create(case, now=NOON, idempotency=("p", case_id, "h", {}))


def _event(container: Any, case_id: str, event_id: str, kind: str, **data: Any) -> DomainEvent:
    at = str(data.pop("at", NOON.astimezone(UTC).isoformat()))
    return DomainEvent(event_id, kind, container.settings.tenant, case_id, at, data)


TOMORROW = (NOON + timedelta(days=1)).astimezone(UTC).isoformat()
DOCUMENTED = [
    ("AppointmentBooked", {"starts_at": TOMORROW}, "booking_confirmed"),
    ("AppointmentRescheduled", {"starts_at": TOMORROW}, "booking_moved"),
    ("AppointmentReminderDue", {"starts_at": TOMORROW}, "booking_reminder"),
    ("AppointmentCancelled", {"starts_at": TOMORROW, "by_staff": True}, "booking_cancelled"),
    ("VideoStarted", {"meeting_id": "m1"}, "video_starting"),
    ("CaseReferred", {"from_unit_id": UNIT_A, "to_unit_id": UNIT_B}, "case_referred"),
    ("CaseClosed", {"outcome": "advice_given"}, "case_closed"),
]


@pytest.mark.parametrize(("event_type", "data", "kind"), DOCUMENTED)
def test_each_event_kind_sends_its_notice_by_sms_and_email(
    container: Any, event_type: str, data: dict[str, Any], kind: str
) -> None:
    notify = _service(container, Clock(NOON))
    _case(container, "c1", notify_sms="+46701234567", notify_email="anna@exempel.se")
    assert notify.on_event(_event(container, "c1", "e1", event_type, **data)) is True
    [(phone, text)] = _sms()
    [mail] = _emails()
    assert phone == "+46701234567" and mail.destinations["ToAddresses"] == ["anna@exempel.se"]
    assert kind_of(text) == kind and kind_of(mail.body) == kind
    assert "https://nara.example/citizen/#/arenden/c1" in text and "Vårdcentralen A" in text


def test_staffs_first_reply_and_later_messages_notify_but_not_the_citizens_own(container: Any) -> None:
    clock = Clock(NOON)
    notify = _service(container, clock)
    case = _case(container, "c2", notify_sms="+46701234567")
    assert notify.on_event(_event(container, "c2", "e0", "MessagePosted", sender_kind="citizen")) is False
    dynamo.DynamoCases(Connection(region=REGION)).save(replace(case, first_contact_at=clock.now), now=clock.now)
    assert notify.on_event(_event(container, "c2", "e1", "MessagePosted", sender_kind="staff")) is True
    clock.now += timedelta(minutes=20)
    later = clock.now.isoformat()
    assert notify.on_event(_event(container, "c2", "e2", "MessagePosted", sender_kind="staff", at=later)) is True
    assert [kind_of(text) for _, text in _sms()] == ["first_reply", "message"]


def test_a_duplicate_delivery_of_an_event_sends_one_notice(container: Any) -> None:
    notify = _service(container, Clock(NOON))
    _case(container, "c3", notify_sms="+46701234567", notify_email="anna@exempel.se")
    event = _event(container, "c3", "e1", "AppointmentBooked", starts_at=TOMORROW)
    assert notify.on_event(event) is True
    assert notify.on_event(event) is False
    assert notify.on_event(event) is False
    assert len(_sms()) == 1 and len(_emails()) == 1


class FlakyEmail:
    """An e-mail service that is down for the first ``failures`` sends."""

    def __init__(self, failures: int) -> None:
        self.failures, self.sent = failures, []

    def send(self, address: str, subject: str, text: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the e-mail service is down")
        self.sent.append((address, subject, text))


def test_when_the_email_fails_the_sms_still_goes_and_the_retry_sends_only_the_email(container: Any) -> None:
    notify = _service(container, Clock(NOON))
    notify._email = email = FlakyEmail(failures=1)
    _case(container, "c9", notify_sms="+46701234567", notify_email="anna@exempel.se")
    event = _event(container, "c9", "e1", "MessagePosted", sender_kind="staff")
    with pytest.raises(ConnectionError):
        notify.on_event(event)  # the event goes back to its queue for another delivery
    assert len(_sms()) == 1 and email.sent == []
    assert notify.on_event(event) is True  # the redelivery: the e-mail now, not the SMS again
    assert len(_sms()) == 1 and len(email.sent) == 1
    assert notify.on_event(event) is False and len(_sms()) == 1 and len(email.sent) == 1


def test_a_held_sms_put_back_after_a_failed_send_never_replaces_a_newer_one(container: Any) -> None:
    tenant = container.settings.tenant
    events = dynamo.DynamoNoticeEvents()
    morning = datetime(2026, 11, 26, 8, 0, tzinfo=SWEDISH_TIME)
    older = dynamo.DeferredNotice("c10", "message", "äldre text", morning, NIGHT)
    newer = dynamo.DeferredNotice("c10", "message", "nyare text", morning, NIGHT + timedelta(minutes=30))
    assert events.defer(tenant, older) is True
    assert events.defer(tenant, newer) is True  # a later notice of the same kind replaces the held one
    assert events.defer(tenant, older) is False  # the older, put back after its send failed, does not
    [held] = events.due(tenant, morning)
    assert held.text == "nyare text"


def test_a_connected_citizen_gets_no_message_notice_but_still_a_booking_notice(container: Any) -> None:
    clock = Clock(NOON)
    notify = _service(container, clock)
    case = _case(container, "c4", notify_sms="+46701234567")
    dynamo.DynamoConnections().add(case.tenant, "conn-1", case.patient_ref, "citizen", now=clock.now, ttl_seconds=600)
    assert notify.on_event(_event(container, "c4", "e1", "MessagePosted", sender_kind="staff")) is False
    assert notify.on_event(_event(container, "c4", "e2", "AppointmentBooked", starts_at=TOMORROW)) is True
    assert [kind_of(text) for _, text in _sms()] == ["booking_confirmed"]
    dynamo.DynamoConnections().remove(case.tenant, "conn-1")
    assert notify.on_event(_event(container, "c4", "e3", "MessagePosted", sender_kind="staff")) is True


def test_at_most_one_message_notice_per_case_within_the_regions_interval(container: Any) -> None:
    container.directory.put_region(container.settings.tenant, {"notices": {"sms_interval_minutes": 60}})
    clock = Clock(NOON)
    notify = _service(container, clock)
    _case(container, "c5", notify_sms="+46701234567")
    assert notify.on_event(_event(container, "c5", "e1", "MessagePosted", sender_kind="staff")) is True
    clock.now += timedelta(minutes=30)
    assert notify.on_event(_event(container, "c5", "e2", "MessagePosted", sender_kind="staff")) is False
    clock.now += timedelta(minutes=31)
    assert notify.on_event(_event(container, "c5", "e3", "MessagePosted", sender_kind="staff")) is True
    assert len(_sms()) == 2


def test_in_quiet_hours_an_sms_waits_until_morning_unless_an_email_tells_them(container: Any) -> None:
    clock = Clock(NIGHT)
    notify = _service(container, clock)
    _case(container, "c6", notify_sms="+46701234567")
    _case(container, "c7", notify_sms="+46709876543", notify_email="bo@exempel.se")
    assert notify.on_event(_event(container, "c6", "e1", "CaseClosed")) is True
    assert notify.on_event(_event(container, "c7", "e2", "CaseClosed")) is True
    assert _sms() == [] and len(_emails()) == 1  # the one with an e-mail address got the e-mail instead
    clock.now += timedelta(hours=1)
    tenant = container.settings.tenant
    assert notify.send_deferred(tenant) == 0  # still night
    clock.now = datetime(2026, 11, 26, 8, 5, tzinfo=SWEDISH_TIME).astimezone(UTC)
    assert notify.send_deferred(tenant) == 1
    assert notify.send_deferred(tenant) == 0  # sent once
    [(phone, text)] = _sms()
    assert phone == "+46701234567" and kind_of(text) == "case_closed"


def test_video_now_is_sent_even_in_quiet_hours(container: Any) -> None:
    notify = _service(container, Clock(NIGHT))
    _case(container, "c8", notify_sms="+46701234567")
    assert notify.on_event(_event(container, "c8", "e1", "VideoStarted", meeting_id="m1")) is True
    assert [kind_of(text) for _, text in _sms()] == ["video_starting"]


def test_a_region_may_send_its_sms_through_its_own_http_gateway(container: Any) -> None:
    tenant = container.settings.tenant
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=sms_token_secret(tenant), SecretString="gateway-token-123"
    )
    container.directory.put_region(tenant, {"sms_provider": {"http": {"url": "https://sms.example/send"}}})
    received: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(202)

    from chalicelib.adapters.secrets import CachedSecret

    providers = SmsProviders(
        sns=SnsSms(sender_id="Nara", region=REGION),
        token_for=lambda t: CachedSecret(sms_token_secret(t), region=REGION),
        http=httpx.Client(transport=httpx.MockTransport(gateway)),
    )
    notify = _service(container, Clock(NOON), sms=providers)
    _case(container, "c9", notify_sms="+46701234567")
    assert notify.on_event(_event(container, "c9", "e1", "CaseClosed")) is True
    [request] = received
    assert str(request.url) == "https://sms.example/send"
    assert request.headers["Authorization"] == "Bearer gateway-token-123"
    body = json.loads(request.content)
    assert body["to"] == "+46701234567" and kind_of(body["text"]) == "case_closed"
    assert _sms() == []  # not through SNS


# --- From phone to digital ---


def _invite(api: Api, who: Any, unit: str, phone: str, key: str = "invite-key-0001") -> tuple[int, Any]:
    return api.call(
        "POST", f"/staff/units/{unit}/phone-invites", who=who, body={"phone": phone}, headers={"Idempotency-Key": key}
    )


def _token_of(text: str) -> str:
    link = text.splitlines()[0].removeprefix("Logga in i Nära: ")
    return parse_qs(urlsplit(urlsplit(link).fragment).query)["inbjudan"][0]


def test_staff_send_a_caller_a_login_link_and_the_case_starts_at_their_unit(api: Api, people: People) -> None:
    status, sent = _invite(api, people.nurse_a, UNIT_A, "070-123 45 67")
    assert status == 201 and sent["sent_to"].endswith("4567") and "+46701" not in sent["sent_to"]
    [(phone, text)] = _sms()
    assert phone == "+46701234567" and kind_of(text) == "phone_invite"
    assert text.startswith("Logga in i Nära: https://nara.example/citizen/#/ny-kontakt?inbjudan=")
    token = _token_of(text)
    status, unit = api.call("GET", f"/citizen/phone-invites/{token}", who=people.anna)
    assert status == 200 and unit == {"unit_id": UNIT_A, "unit_name": "Vårdcentralen A"}
    status, again = api.call("GET", f"/citizen/phone-invites/{token}", who=people.anna)
    assert status == 200 and again == unit  # reloading the intake keeps it
    # the link is unit A's: a case begun with it at another unit is refused, and nothing is started
    body = {"unit_id": UNIT_B, "reason": "Halsont", "invite": token}
    status, refused = api.call(
        "POST", "/citizen/triage", who=people.anna, body=body, headers={"Idempotency-Key": "begin-key-0002"}
    )
    assert status == 422 and refused["error"]["field"] == "unit_id" and refused["error"]["message_sv"]
    assert api.call("GET", "/citizen/triage", who=people.anna)[1]["drafts"] == []
    case = send_case(api, people.anna, unit_id=unit["unit_id"], invite=token)
    status, queue = api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=people.nurse_a)
    assert status == 200 and case["case_id"] in json.dumps(queue)
    # the case keeps where it came from: staff see who sent the link; the citizen's own view does not carry it
    status, seen = api.call("GET", f"/staff/cases/{case['case_id']}", who=people.nurse_a)
    assert status == 200 and seen["entry"] == {
        "from_region": None,
        "channel": "phone_invite",
        "unit_id": UNIT_A,
        "invited_by": people.nurse_a.subject,
        "invited_by_name": "Sjuksköterska A",
        "profession": None,
    }
    assert "entry" not in api.call("GET", f"/citizen/cases/{case['case_id']}", who=people.anna)[1]


def test_a_case_begun_with_someone_elses_link_is_refused_and_changes_nothing(api: Api, people: People) -> None:
    _invite(api, people.nurse_a, UNIT_A, "070-123 45 67")
    token = _token_of(_sms()[0][1])
    assert api.call("GET", f"/citizen/phone-invites/{token}", who=people.anna)[0] == 200
    body = {"unit_id": UNIT_A, "reason": "Halsont", "invite": token}
    status, refused = api.call(
        "POST", "/citizen/triage", who=people.bertil, body=body, headers={"Idempotency-Key": "begin-key-0001"}
    )
    assert status == 422 and refused["error"]["field"] == "invite" and refused["error"]["message_sv"]
    assert api.call("GET", "/citizen/triage", who=people.bertil)[1]["drafts"] == []
    # Anna's link still works for her: a case without it starts as usual, at the unit she chooses
    case = send_case(api, people.anna, unit_id=UNIT_B)
    entry = api.call("GET", f"/staff/cases/{case['case_id']}", who=people.nurse_b)[1]["entry"]
    assert (entry["channel"], entry["unit_id"], entry["invited_by"]) == ("chosen", UNIT_B, "")


def test_a_login_link_works_for_one_citizen_only_and_not_after_a_day(api: Api, people: People) -> None:
    _invite(api, people.nurse_a, UNIT_A, "+46701234567")
    token = _token_of(_sms()[0][1])
    assert api.call("GET", f"/citizen/phone-invites/{token}", who=people.anna)[0] == 200
    status, body = api.call("GET", f"/citizen/phone-invites/{token}", who=people.bertil)
    assert status == 404 and body["error"]["message_sv"]
    _invite(api, people.nurse_a, UNIT_A, "+46701234567", key="invite-key-0002")
    later = _token_of(_sms()[1][1])
    service = api.container.invites
    real_clock = service._clock
    service._clock = lambda: real_clock() + timedelta(hours=25)
    try:
        assert api.call("GET", f"/citizen/phone-invites/{later}", who=people.bertil)[0] == 404
    finally:
        service._clock = real_clock
    assert api.call("GET", "/citizen/phone-invites/not-a-token", who=people.bertil)[0] == 404


def test_a_retried_invite_sends_one_sms_and_a_reused_key_with_another_number_is_refused(
    api: Api, people: People
) -> None:
    first = _invite(api, people.nurse_a, UNIT_A, "070-123 45 67")
    again = _invite(api, people.nurse_a, UNIT_A, "070-123 45 67")
    assert first[0] == again[0] == 201 and first[1] == again[1]
    assert len(_sms()) == 1
    status, body = _invite(api, people.nurse_a, UNIT_A, "070-765 43 21")
    assert status == 409 and body["error"]["message_sv"]
    assert len(_sms()) == 1


def test_phone_invites_only_for_the_staff_members_own_unit_and_a_mobile_number(api: Api, people: People) -> None:
    status, body = _invite(api, people.nurse_a, UNIT_B, "070-123 45 67")
    assert status == 404 and "SE-VC-B" not in json.dumps(body)
    status, body = _invite(api, people.nurse_a, UNIT_A, "036-32 10 00")  # a landline cannot receive the SMS
    assert status == 422 and body["error"]["message_sv"] and body["error"]["field"] == "phone"
    status, body = _invite(api, people.nurse_a, UNIT_A, "inte ett nummer")
    assert status == 422 and "mobilnummer" in body["error"]["message_sv"]
    as_citizen = api.call(
        "POST",
        f"/staff/units/{UNIT_A}/phone-invites",
        who=people.anna,
        body={"phone": "0701234567"},
        headers={"Idempotency-Key": "invite-key-0009"},
    )
    assert as_citizen[0] in (401, 403)
    assert _sms() == []

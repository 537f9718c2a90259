"""Notices to the citizen when staff write: SMS through SNS and e-mail through SES (moto in-process records what was
sent), at most one per case per quiet period, never anything about the health problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from pynamodb.connection import Connection

from chalicelib.adapters.dynamo import (
    DynamoCases,
    DynamoConnections,
    DynamoDirectory,
    DynamoNoticeEvents,
    DynamoNoticeLog,
)
from chalicelib.adapters.notify import SesEmail, SnsSms
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case
from chalicelib.services.notify import NotificationService

REGION = "eu-north-1"
SENDER = "no-reply@nara.example"
LINK = "https://nara.example/citizen/"
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _sms() -> list[tuple[str, str]]:
    return [(m[0], m[1]) for m in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()]


def _emails() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def _case(container: Any, case_id: str, **notify: Any) -> Case:
    case = Case.submit(
        case_id=case_id,
        tenant="testregion",
        unit_id="SE-VC-A",
        patient_ref="patient-1",
        reason="Sveda när jag kissar",
        free_text="Har haft feber",
        priority="P3",
        profession="nurse",
        now=START,
        disposition="chat",
        **notify,
    )
    return DynamoCases(Connection(region=REGION)).create(case, now=START, idempotency=("p", case_id, "h", {}))


def _event(case_id: str, event_id: str, sender_kind: str = "staff") -> DomainEvent:
    return DomainEvent(
        event_id, "MessagePosted", "testregion", case_id, START.isoformat(), {"sender_kind": sender_kind}
    )


@pytest.fixture
def service(container: Any) -> tuple[NotificationService, Clock]:
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    clock = Clock()
    built = NotificationService(
        DynamoCases(Connection(region=REGION)),
        DynamoNoticeLog(),
        DynamoNoticeEvents(),
        DynamoDirectory(),
        DynamoConnections(),
        clock=clock,
        link=LINK,
        sms=SnsSms(sender_id="Nara", region=REGION),
        email=SesEmail(sender=SENDER, region=REGION),
    )
    return built, clock


def test_a_staff_message_sends_an_sms_and_an_email_without_health_information(service: Any, container: Any) -> None:
    notify, _ = service
    _case(container, "case-1", notify_sms="+46701234567", notify_email="anna@exempel.se")
    assert notify.on_event(_event("case-1", "e1")) is True
    [(phone, text)] = _sms()
    assert phone == "+46701234567" and f"{LINK}#/arenden/case-1" in text and "har svarat" in text
    [mail] = _emails()
    assert mail.destinations["ToAddresses"] == ["anna@exempel.se"] and mail.source == SENDER
    for content in (text, mail.body, mail.subject):
        assert "Sveda" not in content and "feber" not in content  # nothing about the problem


def test_a_burst_of_messages_sends_one_notice_and_the_next_after_the_quiet_period(service: Any, container: Any) -> None:
    notify, clock = service
    _case(container, "case-2", notify_sms="+46701234567")
    assert notify.on_event(_event("case-2", "e1")) is True
    assert notify.on_event(_event("case-2", "e1")) is False  # the same event delivered again
    clock.now += timedelta(minutes=5)
    assert notify.on_event(_event("case-2", "e2")) is False  # the next message of the burst
    clock.now += timedelta(minutes=20)
    assert notify.on_event(_event("case-2", "e3")) is True
    assert len(_sms()) == 2


def test_no_notice_for_the_citizens_own_message_or_when_they_chose_none(service: Any, container: Any) -> None:
    notify, _ = service
    _case(container, "case-3", notify_sms="+46701234567")
    _case(container, "case-4")
    assert notify.on_event(_event("case-3", "e1", sender_kind="citizen")) is False
    assert notify.on_event(_event("case-4", "e2")) is False
    assert notify.on_event(_event("no-such-case", "e3")) is False
    assert _sms() == [] and _emails() == []


def test_a_failed_send_is_released_so_the_retried_event_sends_it(container: Any) -> None:
    class Flaky:
        def __init__(self) -> None:
            self.sent: list[str] = []
            self.fail = True

        def send(self, phone_number: str, text: str) -> None:
            if self.fail:
                raise ConnectionError("SMS provider down")
            self.sent.append(phone_number)

    flaky = Flaky()
    notify = NotificationService(
        DynamoCases(Connection(region=REGION)),
        DynamoNoticeLog(),
        DynamoNoticeEvents(),
        DynamoDirectory(),
        DynamoConnections(),
        clock=Clock(),
        link=LINK,
        sms=flaky,
    )
    _case(container, "case-5", notify_sms="+46701234567")
    with pytest.raises(ConnectionError):
        notify.on_event(_event("case-5", "e1"))
    flaky.fail = False
    assert notify.on_event(_event("case-5", "e1")) is True and flaky.sent == ["+46701234567"]

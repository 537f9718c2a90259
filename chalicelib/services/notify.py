"""Notices to the citizen (SMS and/or e-mail, as they chose in the intake) when something happens in their case.

A consumer of domain events (``on_event``), idempotent by event id: a redelivered event sends nothing. The rules
(docs/notifications.md):

- which events: staff's first reply and later messages, booking confirmed / moved / reminder / cancelled, video
  meeting started, case referred, case closed (``NOTICE_OF_EVENT``);
- a message notice only while neither the patient nor the guardian who sent the case is connected (a live
  WebSocket: they see the message at once), and at most one per case within the region's interval (default 15 min);
- quiet hours (region setting, default 21–08 Swedish time): a non-urgent SMS is not sent then. When the citizen
  also gave an e-mail address, the e-mail alone tells them; otherwise the SMS is held and sent by the scheduled
  ``send_deferred`` when quiet hours end. "Video now" and a reminder of a time before then are urgent and go out.

The texts come from ``chalicelib/domain/notices.py`` and never carry health data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Protocol

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import (
    DeferredNotice,
    DynamoCases,
    DynamoConnections,
    DynamoDirectory,
    DynamoNoticeEvents,
    DynamoNoticeLog,
)
from chalicelib.adapters.notify import SmsProviders, SmsSender
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case
from chalicelib.domain.notices import MESSAGE_KINDS, NoticeFacts, NoticeKind, NoticeRules, render
from chalicelib.services.ports import Clock

logger = Logger(child=True)

NOTICE_OF_EVENT = {
    "MessagePosted": NoticeKind.MESSAGE,  # FIRST_REPLY when it is staff's first message
    "AppointmentBooked": NoticeKind.BOOKING_CONFIRMED,
    "AppointmentRescheduled": NoticeKind.BOOKING_MOVED,
    "AppointmentReminderDue": NoticeKind.BOOKING_REMINDER,
    "AppointmentCancelled": NoticeKind.BOOKING_CANCELLED,
    "VideoStarted": NoticeKind.VIDEO_STARTING,
    "CaseReferred": NoticeKind.CASE_REFERRED,
    "CaseClosed": NoticeKind.CASE_CLOSED,
}


class EmailSender(Protocol):
    def send(self, address: str, subject: str, text: str) -> None: ...


def _instant(raw: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


class NotificationService:
    def __init__(
        self,
        cases: DynamoCases,
        log: DynamoNoticeLog,
        events: DynamoNoticeEvents,
        directory: DynamoDirectory,
        connections: DynamoConnections,
        *,
        clock: Clock,
        link: str,
        sms: SmsProviders | SmsSender | None = None,
        email: EmailSender | None = None,
    ) -> None:
        self._cases = cases
        self._log = log
        self._events = events
        self._directory = directory
        self._connections = connections
        self._clock = clock
        self._link = link
        self._sms = sms
        self._email = email

    def on_event(self, event: DomainEvent) -> bool:
        """Notify the citizen as the rules say; True when something was sent or held for after quiet hours.
        Each channel (SMS, e-mail) is claimed on its own: when one fails the other still goes, and this raises so
        the event is delivered again — and then sends only what failed."""
        kind = NOTICE_OF_EVENT.get(event.type)
        if kind is None or (event.type == "MessagePosted" and event.data.get("sender_kind") != "staff"):
            return False
        case = self._cases.get(event.tenant, event.case_id)
        if case is None:
            return False
        if kind is NoticeKind.MESSAGE and self._first_reply(case, event):
            kind = NoticeKind.FIRST_REPLY
        region = self._directory.region(event.tenant)
        sms = self._sms_sender(event.tenant, region) if case.notify_sms else None
        email = case.notify_email if self._email else None
        if sms is None and not email:
            return False
        if kind in MESSAGE_KINDS and self._connected(case):
            return False  # they are in Nära now and see the message arrive
        now = self._clock()
        rules = NoticeRules.of_region(region)
        throttled = kind in MESSAGE_KINDS
        if throttled and not self._log.claim(event.tenant, case.case_id, event.event_id, now=now, quiet=rules.interval):
            return False  # the next message of a burst
        starts_at = _instant(event.data.get("starts_at"))
        notice = render(kind, self._facts(case, kind, event, starts_at))
        channels: list[tuple[str, Callable[[], object]]] = []
        if sms is not None and case.notify_sms:
            channels.append(
                ("sms", partial(self._send_sms, case, kind, notice.sms, rules, sms, bool(email), now, starts_at))
            )
        if email and self._email:
            channels.append(("email", partial(self._email.send, email, notice.subject, notice.email)))
        earlier, sent, failed = 0, 0, None
        for channel, send in channels:
            if not self._events.claim(event.tenant, event.event_id, channel, now=now):
                earlier += 1  # a redelivered event: this channel went already
                continue
            try:
                send()
            except Exception as error:  # the other channel still goes; this one is retried with the event
                self._events.release(event.tenant, event.event_id, channel)
                failed = failed or error
                continue
            sent += 1
        if failed is not None:
            if throttled and not (earlier or sent):
                self._log.release(event.tenant, case.case_id, event.event_id)
            raise failed
        if sent:
            logger.info("citizen notified", extra={"case_id": case.case_id, "kind": kind.value, "channels": sent})
        return sent > 0

    def send_deferred(self, tenant: str) -> int:
        """Send the SMS held by quiet hours once they are over (scheduled); how many were sent."""
        now = self._clock()
        region = self._directory.region(tenant)
        sms = self._sms_sender(tenant, region)
        if sms is None or NoticeRules.of_region(region).quiet.contains(now):
            return 0
        sent = 0
        for held in self._events.due(tenant, now):
            case = self._cases.get(tenant, held.case_id)
            if case is None or not case.notify_sms or not self._events.take(tenant, held):
                continue
            try:
                sms.send(case.notify_sms, held.text)
            except Exception:
                self._events.defer(tenant, held)  # try again at the next run
                logger.exception("held SMS could not be sent", extra={"case_id": held.case_id, "kind": held.kind})
                continue
            sent += 1
        return sent

    def _send_sms(
        self,
        case: Case,
        kind: NoticeKind,
        text: str,
        rules: NoticeRules,
        sms: SmsSender,
        also_email: bool,
        now: datetime,
        starts_at: datetime | None,
    ) -> bool:
        """Send now, or hold for the end of quiet hours; True when sent or held. In quiet hours, when an e-mail
        also goes, the e-mail alone tells them."""
        if not rules.hold_sms(kind, now, starts_at):
            sms.send(str(case.notify_sms), text)
            return True
        if also_email:
            return False
        due = rules.quiet.ends_after(now)
        self._events.defer(case.tenant, DeferredNotice(case.case_id, kind.value, text, due, now))
        return True

    def _facts(self, case: Case, kind: NoticeKind, event: DomainEvent, starts_at: datetime | None) -> NoticeFacts:
        # a referral names the unit the citizen chose (where it came from), never where it went
        unit_id = (
            str(event.data.get("from_unit_id") or case.unit_id) if kind is NoticeKind.CASE_REFERRED else case.unit_id
        )
        unit = self._directory.unit(case.tenant, unit_id) or {}
        return NoticeFacts(
            unit_name=str(unit.get("name") or "vården"),
            link=f"{self._link}#/arenden/{case.case_id}",
            starts_at=starts_at,
            by_staff=bool(event.data.get("by_staff")),
        )

    def _sms_sender(self, tenant: str, region: dict[str, object]) -> SmsSender | None:
        if isinstance(self._sms, SmsProviders):
            return self._sms.for_region(tenant, dict(region))
        return self._sms

    def _connected(self, case: Case) -> bool:
        citizens = {case.patient_ref, case.submitted_by} - {None}
        return any(self._connections.of_subject(case.tenant, str(s)) for s in citizens)

    @staticmethod
    def _first_reply(case: Case, event: DomainEvent) -> bool:
        """Staff's first message: the one that ended the wait (the case's first contact is its time)."""
        sent_at = _instant(event.occurred_at)
        if case.first_contact_at is None or sent_at is None:
            return case.first_contact_at is None
        return abs((sent_at - case.first_contact_at).total_seconds()) < 1

"""Notices to the citizen (SMS and/or e-mail, as they chose in the intake) when care staff write in their case.

A consumer of domain events. At most one notice per case per quiet period: a nurse writing three messages in a row
sends one text. A notice says only that there is a message and where to read it — never anything about the health
problem — in Swedish and English.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, DynamoNoticeLog
from chalicelib.domain.events import DomainEvent
from chalicelib.services.ports import Clock

logger = Logger(child=True)

QUIET = timedelta(minutes=15)


class SmsSender(Protocol):
    def send(self, phone_number: str, text: str) -> None: ...


class EmailSender(Protocol):
    def send(self, address: str, subject: str, text: str) -> None: ...


def sms_text(link: str) -> str:
    return (
        f"Nära: Du har fått ett nytt meddelande från vården. Logga in för att läsa det: {link}\n"
        f"You have a new message from your care team. Log in to read it: {link}"
    )


EMAIL_SUBJECT = "Nytt meddelande i Nära / New message in Nära"


def email_text(link: str) -> str:
    return (
        "Hej!\n\nDu har fått ett nytt meddelande från vården i Nära. Logga in för att läsa det:\n"
        f"{link}\n\nAv säkerhetsskäl står ingenting om ditt ärende i det här mejlet. Svara inte på det.\n\n"
        "---\n\nHello,\n\nYou have a new message from your care team in Nära. Log in to read it:\n"
        f"{link}\n\nFor your privacy this e-mail says nothing about your case. Please do not reply to it.\n"
    )


class NotificationService:
    def __init__(
        self,
        cases: DynamoCases,
        log: DynamoNoticeLog,
        *,
        clock: Clock,
        link: str,
        sms: SmsSender | None = None,
        email: EmailSender | None = None,
    ) -> None:
        self._cases = cases
        self._log = log
        self._clock = clock
        self._link = link
        self._sms = sms
        self._email = email

    def on_event(self, event: DomainEvent) -> bool:
        """Notify the citizen of a staff message; True when a notice was sent. Raises when sending failed, so the
        event is delivered again (the claim is released first)."""
        if event.type != "MessagePosted" or event.data.get("sender_kind") != "staff":
            return False
        case = self._cases.get(event.tenant, event.case_id)
        if case is None:
            return False
        sms = case.notify_sms if self._sms else None
        email = case.notify_email if self._email else None
        if not sms and not email:
            return False
        if not self._log.claim(event.tenant, case.case_id, event.event_id, now=self._clock(), quiet=QUIET):
            return False
        link = f"{self._link}#/arenden/{case.case_id}"
        try:
            if sms and self._sms:
                self._sms.send(sms, sms_text(link))
            if email and self._email:
                self._email.send(email, EMAIL_SUBJECT, email_text(link))
        except Exception:
            self._log.release(event.tenant, case.case_id, event.event_id)
            raise
        logger.info("citizen notified", extra={"case_id": case.case_id, "sms": bool(sms), "email": bool(email)})
        return True

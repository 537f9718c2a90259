"""Chat within a case: a message is stored first (with the case's next sequence number), then pushed."""

from __future__ import annotations

import random
import time

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, DynamoConnections, DynamoQueueStats
from chalicelib.adapters.websocket import ConnectionGone
from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.model import Case, Message, Principal, SenderKind
from chalicelib.services.audit import AuditService
from chalicelib.services.ports import Clock, Pusher

logger = Logger(child=True)

CLIENT_ID_MAX = 64
ATTEMPTS = 12


def message_payload(message: Message) -> dict[str, object]:
    return {
        "case_id": message.case_id,
        "seq": message.seq,
        "client_id": message.client_id,
        "sender_kind": message.sender_kind.value,
        "sender_name": message.sender_name,
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
    }


class ChatService:
    def __init__(
        self,
        cases: DynamoCases,
        connections: DynamoConnections,
        pusher: Pusher,
        audit: AuditService,
        *,
        clock: Clock,
        stats: DynamoQueueStats | None = None,
    ) -> None:
        self._stats = stats or DynamoQueueStats()
        self._cases = cases
        self._connections = connections
        self._pusher = pusher
        self._audit = audit
        self._clock = clock

    def _case_in_scope(self, principal: Principal, case_id: str) -> Case:
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.")
        return case

    def post(self, principal: Principal, case_id: str, *, text: str, client_id: str) -> tuple[Message, bool]:
        """Store the message and push it to the case's open connections. Returns (message, created)."""
        text = Message.validate_text(text)
        if not client_id or len(client_id) > CLIENT_ID_MAX:
            raise ValidationFailed(f"client_id must be 1–{CLIENT_ID_MAX} characters.", field="client_id")
        case = self._case_in_scope(principal, case_id)
        if principal.is_staff:
            self._audit.record_case_access(principal, case, "post_message")
        for attempt in range(ATTEMPTS):
            if attempt:
                case = self._case_in_scope(principal, case_id)
            seq = case.next_message_seq()
            message = Message(
                case_id=case.case_id,
                seq=seq,
                client_id=client_id,
                sender_kind=SenderKind.STAFF if principal.is_staff else SenderKind.CITIZEN,
                sender_id=principal.subject,
                sender_name=principal.display_name,
                text=text,
                sent_at=self._clock(),
            )
            try:
                stored, created = self._cases.append_message(case, message, now=self._clock())
            except Conflict:
                # Someone else took this sequence number: back off a little (with jitter) and read again.
                time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))  # noqa: S311 - jitter, not security
                continue
            if created:
                if principal.is_staff and case.first_contact_at is None:
                    self._record_first_contact(case, stored)
                self._push(case, stored, principal.subject)
            return stored, created
        raise Conflict("The chat is very busy right now; please send the message again.")

    def history(self, principal: Principal, case_id: str, *, after: int = 0) -> list[Message]:
        case = self._case_in_scope(principal, case_id)
        if principal.is_staff:
            self._audit.record_case_access(principal, case, "read_messages")
        return self._cases.messages(principal.tenant, case.case_id, after=max(0, after))

    def _record_first_contact(self, case: Case, message: Message) -> None:
        """The waiting room's estimate learns how fast this unit takes cases (best effort: the message stands)."""
        try:
            self._stats.record_first_contact(case.tenant, case.unit_id, case.profession, case.case_id, message.sent_at)
        except Exception:
            logger.exception("could not record the first contact", extra={"case_id": case.case_id})

    def _push(self, case: Case, message: Message, sender: str) -> None:
        recipients = {case.patient_ref, sender}
        if case.claimed_by:
            recipients.add(case.claimed_by)
        payload = {"type": "message", "message": message_payload(message)}
        for subject in recipients:
            for connection_id in self._connections.of_subject(case.tenant, subject):
                try:
                    self._pusher.push(connection_id, payload)
                except ConnectionGone:
                    self._connections.remove(case.tenant, connection_id)
                except Exception:  # best effort: the message is stored; clients resync by seq
                    logger.exception("push failed", extra={"connection_id": connection_id})

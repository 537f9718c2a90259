"""Nära's own sessions, opened after a strong login, and the single-use tickets that open a WebSocket.

- A session has an absolute lifetime (the token's ``exp``) and an idle timeout (``last_seen`` on the session
  item); logout revokes it at once. Every authenticated request checks the session, so a revoked, idle or unknown
  session answers 401 even while its token's signature and expiry are still good.
- A WebSocket ticket is random, lives 60 seconds, is stored only as a hash and can be used once.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

from chalicelib.adapters.session_store import DynamoEphemeral, DynamoSessions
from chalicelib.adapters.tokens import SessionTokens
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.principal import Principal
from chalicelib.domain.tokens import secret_hash
from chalicelib.services.ports import Clock, IdGenerator

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=10)
TOUCH_EVERY = timedelta(minutes=1)
TICKET_LIFETIME = timedelta(seconds=60)
WS_TICKET = "WSTICKET"


class SessionService:
    def __init__(
        self,
        store: DynamoSessions,
        ephemeral: DynamoEphemeral,
        tokens: SessionTokens,
        *,
        tenant: str,
        clock: Clock,
        ids: IdGenerator,
        idle_timeout: timedelta = IDLE_TIMEOUT,
        absolute_timeout: timedelta = ABSOLUTE_TIMEOUT,
    ) -> None:
        self._store = store
        self._ephemeral = ephemeral
        self._tokens = tokens
        self._tenant = tenant
        self._clock = clock
        self._ids = ids
        self._idle = idle_timeout
        self._absolute = absolute_timeout

    def open(self, principal: Principal) -> str:
        """Start a session for a principal who has just logged in strongly; returns its token."""
        now = self._clock()
        session_id = self._ids()
        expires_at = now + self._absolute
        self._store.create(self._tenant, session_id, principal.subject, now=now, expires_at=expires_at)
        return self._tokens.issue(replace(principal, session_id=session_id), now=now, expires_at=expires_at)

    def verify(self, token: str) -> Principal:
        """The principal of a live session, or Unauthenticated (tampered, expired, idle, revoked, foreign)."""
        now = self._clock()
        principal = self._tokens.verify(token, now=now)
        session = self._store.get(self._tenant, principal.session_id)
        if session is None or session.subject != principal.subject:
            raise Unauthenticated("The session is not valid; please log in again.")
        if session.revoked_at is not None:
            raise Unauthenticated("You have logged out; please log in again.")
        if now >= session.expires_at:
            raise Unauthenticated("The session has expired; please log in again.")
        if now - session.last_seen > self._idle:
            raise Unauthenticated("The session ended after a while without activity; please log in again.")
        if now - session.last_seen >= TOUCH_EVERY:
            self._store.touch(self._tenant, principal.session_id, seen=now, previous=session.last_seen)
        return principal

    def close(self, principal: Principal) -> None:
        """Log out: the session and every token and ticket of it stop working."""
        self._store.revoke(self._tenant, principal.session_id, now=self._clock())

    def issue_ws_ticket(self, principal: Principal, token: str) -> str:
        ticket = secrets.token_urlsafe(32)
        self._ephemeral.put(
            self._tenant, WS_TICKET, secret_hash(ticket), {"token": token}, expires_at=self._clock() + TICKET_LIFETIME
        )
        return ticket

    def redeem_ws_ticket(self, ticket: str) -> Principal:
        """The principal a ticket was issued to; a ticket works once and for 60 seconds only."""
        if not ticket or len(ticket) > 100:
            raise Unauthenticated("A connection ticket is required.")
        taken = self._ephemeral.take(self._tenant, WS_TICKET, secret_hash(ticket))
        if taken is None:
            raise Unauthenticated("The connection ticket is unknown or already used.")
        data, expires_at = taken
        token = str(data["token"])
        if self._clock() >= expires_at:
            raise Unauthenticated("The connection ticket has expired.")
        return self.verify(token)

"""WebSocket connections: opened with a single-use ticket at the handshake, remembered per subject."""

from __future__ import annotations

from chalicelib.adapters.dynamo import DynamoConnections
from chalicelib.domain.model import Principal
from chalicelib.services.ports import Clock
from chalicelib.services.sessions import SessionService

CONNECTION_TTL_SECONDS = 3 * 3600


class RealtimeService:
    def __init__(self, connections: DynamoConnections, sessions: SessionService, *, tenant: str, clock: Clock) -> None:
        self._connections = connections
        self._sessions = sessions
        self._tenant = tenant
        self._clock = clock

    def connect(self, connection_id: str, ticket: str | None) -> Principal:
        """Redeem the single-use ticket given at the handshake; Unauthenticated refuses the handshake."""
        principal = self._sessions.redeem_ws_ticket(ticket or "")
        self._connections.add(
            principal.tenant,
            connection_id,
            principal.subject,
            principal.kind.value,
            now=self._clock(),
            ttl_seconds=CONNECTION_TTL_SECONDS,
        )
        return principal

    def disconnect(self, connection_id: str) -> None:
        self._connections.remove(self._tenant, connection_id)

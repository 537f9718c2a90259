"""WebSocket connections: authenticated at the handshake, remembered per subject, forgotten on disconnect."""

from __future__ import annotations

from chalicelib.adapters.dynamo import DynamoConnections
from chalicelib.adapters.tokens import SessionTokens
from chalicelib.domain.model import Principal
from chalicelib.services.ports import Clock

CONNECTION_TTL_SECONDS = 3 * 3600


class RealtimeService:
    def __init__(self, connections: DynamoConnections, tokens: SessionTokens, *, tenant: str, clock: Clock) -> None:
        self._connections = connections
        self._tokens = tokens
        self._tenant = tenant
        self._clock = clock

    def connect(self, connection_id: str, token: str | None) -> Principal:
        """Check the token given at the handshake; raises Unauthenticated so the handshake is refused."""
        principal = self._tokens.verify(token or "", now=self._clock())
        self._connections.add(
            principal.tenant, connection_id, principal.subject, principal.kind.value,
            now=self._clock(), ttl_seconds=CONNECTION_TTL_SECONDS,
        )
        return principal

    def disconnect(self, connection_id: str) -> None:
        self._connections.remove(self._tenant, connection_id)

    def is_connected(self, connection_id: str) -> bool:
        return self._connections.subject_of(self._tenant, connection_id) is not None

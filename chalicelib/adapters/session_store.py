"""Sessions (idle and absolute timeout, revocation) and short-lived single-use state (login requests, login codes,
BankID orders, WebSocket tickets) in the tenant's main table.

In a module of their own, apart from ``dynamo.py``: every authenticated request reads its session, and a Lambda's
first request should not have to define every other model of the table to do so. ``dynamo.py`` re-exports these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from chalicelib.adapters import keys
from chalicelib.adapters.entity import Entity, condition_failed, updated_if


class SessionItem(Entity, discriminator="session"):
    tenant = UnicodeAttribute()
    session_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_seen = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)


class EphemeralItem(Entity, discriminator="ephemeral"):
    """Short-lived, single-use state: login requests, login codes, BankID orders, WebSocket tickets."""

    tenant = UnicodeAttribute()
    data = JSONAttribute()
    expires_at = UTCDateTimeAttribute()


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    subject: str
    created_at: datetime
    last_seen: datetime
    expires_at: datetime
    revoked_at: datetime | None


class DynamoSessions:
    """Server-side sessions (idle/absolute timeout, revocation) and single-use WebSocket tickets."""

    def create(self, tenant: str, session_id: str, subject: str, *, now: datetime, expires_at: datetime) -> None:
        SessionItem(
            pk=keys.session_pk(tenant, session_id),
            sk=keys.SESSION_SK,
            tenant=tenant,
            session_id=session_id,
            subject=subject,
            created_at=now,
            last_seen=now,
            expires_at=expires_at,
            ttl=expires_at + timedelta(days=1),
            gsi1pk=keys.sessions_of_pk(tenant, subject),
            gsi1sk=session_id,
        ).save(condition=SessionItem.pk.does_not_exist())

    def revoke_all_of(self, tenant: str, subject: str, *, now: datetime) -> int:
        """End every live session of a person (their roles changed); how many were ended."""
        ended = 0
        for item in Entity.queue_index.query(keys.sessions_of_pk(tenant, subject)):
            if isinstance(item, SessionItem) and item.revoked_at is None and item.expires_at > now:
                self.revoke(tenant, item.session_id, now=now)
                ended += 1
        return ended

    def get(self, tenant: str, session_id: str) -> SessionRecord | None:
        try:
            item = SessionItem.get(keys.session_pk(tenant, session_id), keys.SESSION_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return SessionRecord(
            item.session_id, item.subject, item.created_at, item.last_seen, item.expires_at, item.revoked_at
        )

    def touch(self, tenant: str, session_id: str, *, seen: datetime, previous: datetime) -> None:
        """Move last_seen forward; a concurrent touch that got there first is fine."""
        item = SessionItem(pk=keys.session_pk(tenant, session_id), sk=keys.SESSION_SK)
        try:
            item.update(
                actions=[SessionItem.last_seen.set(seen)],
                condition=(SessionItem.last_seen == previous) & SessionItem.revoked_at.does_not_exist(),
                add_version_condition=False,
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise

    def revoke(self, tenant: str, session_id: str, *, now: datetime) -> None:
        item = SessionItem(pk=keys.session_pk(tenant, session_id), sk=keys.SESSION_SK)
        try:
            item.update(
                actions=[SessionItem.revoked_at.set(now)],
                condition=SessionItem.pk.exists() & SessionItem.revoked_at.does_not_exist(),
                add_version_condition=False,
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise  # already revoked (or never existed): logging out twice is fine


class DynamoEphemeral:
    """Short-lived state that expires (TTL) and can be taken exactly once."""

    def put(self, tenant: str, kind: str, key: str, data: dict[str, Any], *, expires_at: datetime) -> None:
        EphemeralItem(
            pk=keys.ephemeral_pk(tenant, kind, key),
            sk=keys.EPHEMERAL_SK,
            tenant=tenant,
            data=data,
            expires_at=expires_at,
            ttl=expires_at + timedelta(minutes=5),
        ).save(condition=EphemeralItem.pk.does_not_exist())

    def get(self, tenant: str, kind: str, key: str) -> tuple[dict[str, Any], datetime] | None:
        try:
            item = EphemeralItem.get(keys.ephemeral_pk(tenant, kind, key), keys.EPHEMERAL_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return dict(item.data), item.expires_at

    def replace(self, tenant: str, kind: str, key: str, data: dict[str, Any]) -> bool:
        """Overwrite the data of an existing item; False when it is gone (taken or expired away)."""
        item = EphemeralItem(pk=keys.ephemeral_pk(tenant, kind, key), sk=keys.EPHEMERAL_SK)
        return updated_if(item, [EphemeralItem.data.set(data)], EphemeralItem.pk.exists())

    def take(self, tenant: str, kind: str, key: str) -> tuple[dict[str, Any], datetime] | None:
        """Read and delete in one go: of two concurrent takers, exactly one gets the data."""
        try:
            item = EphemeralItem.get(keys.ephemeral_pk(tenant, kind, key), keys.EPHEMERAL_SK, consistent_read=True)
            item.delete(condition=EphemeralItem.pk.exists())
        except DoesNotExist:
            return None
        except DeleteError as error:
            if condition_failed(error):
                return None
            raise
        return dict(item.data), item.expires_at

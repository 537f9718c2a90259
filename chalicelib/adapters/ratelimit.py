"""Fixed-window rate-limit counters in the tenant's table: one item per (kind, key, window), expired by TTL.

Items (pk ``T#{tenant}#RATE#{kind}#{key}``, sk ``W#{window start}``) hold the ids of the hits counted in the window,
as a string set. Taking a hit is one conditional update that adds its id to the set, allowed while the set is
smaller than the limit or already holds the id: of many concurrent hits exactly ``limit`` distinct ids get in, and
a retry with the same id (a chat message's client id) passes again without being counted twice. The rule (which
limit, what the person is told) is in ``chalicelib.domain.rate_limits``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from pynamodb.attributes import UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.expressions.condition import size

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Entity, updated_if
from chalicelib.domain.rate_limits import RateLimit, Window

# A window's item outlives its window a little (TTL deletion is lazy anyway): nothing reads an ended window.
KEEP_AFTER_WINDOW = timedelta(minutes=5)


class RateWindowItem(Entity, discriminator="rate_window"):
    tenant = UnicodeAttribute()
    hits = UnicodeSetAttribute(null=True)
    ends_at = UTCDateTimeAttribute()


class DynamoRateLimiter:
    """Counters of rate-limited actions. Build it after ``dynamo.configure`` (bootstrap does): it then forgets any
    connection cached for another table."""

    def __init__(self) -> None:
        RateWindowItem._connection = None

    def take(self, tenant: str, limit: RateLimit, key: str, window: Window, *, hit_id: str | None = None) -> bool:
        """Count one hit of ``limit.kind`` for ``key`` in ``window``; False (nothing counted) when the window is full.
        A ``hit_id`` already counted in the window passes again and is not counted twice; without one, every call
        is a new hit."""
        hit = hit_id or secrets.token_hex(8)
        item = RateWindowItem(pk=keys.rate_window_pk(tenant, limit.kind, key), sk=keys.rate_window_sk(window.key))
        return updated_if(
            item,
            [
                RateWindowItem.hits.add({hit}),
                RateWindowItem.tenant.set(tenant),
                RateWindowItem.ends_at.set(window.end),
                RateWindowItem.ttl.set(window.end + KEEP_AFTER_WINDOW),
            ],
            RateWindowItem.hits.does_not_exist()
            | (size(RateWindowItem.hits) < limit.per_window)  # type: ignore[no-untyped-call]
            | RateWindowItem.hits.contains(hit),
        )

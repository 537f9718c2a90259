"""The base of every item in the tenant's tables (pynamodb), the helpers of conditional writes, and where the tables
are: ``configure`` points the models at the tenant's tables (called by ``bootstrap``).

Kept apart from ``dynamo.py`` (which defines the items of cases, messages, units, drafts, the audit log...) so that
a request that only checks a session (``session_store.py``) does not define every model of the application, which a
Lambda's cold start would pay for. ``dynamo.py`` re-exports all of this.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import (
    DiscriminatorAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.adapters import tables


class QueueIndex(GlobalSecondaryIndex["Entity"]):
    class Meta:
        index_name = tables.QUEUE_INDEX
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class OwnerIndex(GlobalSecondaryIndex["Entity"]):
    class Meta:
        index_name = tables.OWNER_INDEX
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class QueueViewIndex(GlobalSecondaryIndex["Entity"]):
    class Meta:
        index_name = tables.QUEUE_VIEW_INDEX
        projection = IncludeProjection(list(tables.QUEUE_VIEW_ATTRIBUTES))

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


def error_code(error: Exception) -> str | None:
    """DynamoDB's error code behind a pynamodb error (``ConditionalCheckFailedException``, ...), or None when there
    was no answer (a timeout, a lost connection): pynamodb's own ``cause_response_code`` fails on those."""
    response = getattr(getattr(error, "cause", None), "response", None) or {}
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def condition_failed(error: Exception) -> bool:
    """Whether DynamoDB refused the write because its condition did not hold."""
    return error_code(error) == "ConditionalCheckFailedException"


def written_if(write: Callable[[], object]) -> bool:
    """Make a conditional write: True when it was made, False when its condition did not hold; any other failure
    is raised."""
    try:
        write()
    except (PutError, UpdateError, DeleteError) as error:
        if condition_failed(error):
            return False
        raise
    return True


def updated_if(item: Model, actions: list[Any], condition: Any) -> bool:
    """Apply ``actions`` to ``item`` (created if missing) when ``condition`` holds; False when it did not. No
    version condition: counters, sets and short-lived records whose condition says everything."""
    return written_if(lambda: item.update(actions=actions, condition=condition, add_version_condition=False))


class SavedOnce(Model):
    """A conditional put whose answer was lost is not a failure when its write was made.

    DynamoDB can make a write and lose its answer (a timeout, a dropped connection); botocore then sends the same
    put again, and its condition — "no such item yet", "still at version n" — no longer holds, because of the
    write it is waiting to hear about. Every put here carries an id of its own (``put_id``, new for each call of
    ``save``, the same in botocore's retries of it). When a conditional put fails, the item is read back (strongly
    consistent): if it is exactly the item this put writes, its own id included, this put's write was made and the
    put succeeded. Anything else — another writer, an earlier delivery of the same event writing the same content,
    a newer version — stays the failure it is, so "already recorded" still means someone else recorded it.
    Transactions need none of this: their client request token makes DynamoDB answer a resent transaction without
    doing it again."""

    put_id = UnicodeAttribute(null=True)

    def save(self, condition: Any = None, *, add_version_condition: bool = True) -> dict[str, Any]:
        self.put_id = uuid.uuid4().hex
        try:
            return super().save(condition, add_version_condition=add_version_condition)
        except PutError as error:
            if not condition_failed(error) or not self._stored_as_sent():
                raise
            self.update_local_version_attribute()
            return {}

    def _stored_as_sent(self) -> bool:
        (hash_key,), kwargs = self._get_save_args()  # the key and the attributes the put sent, with its version
        sent = dict(kwargs["attributes"])
        found = self._get_connection().get_item(hash_key, range_key=kwargs.get("range_key"), consistent_read=True)
        stored = dict(found.get("Item") or {})
        for key in (self._hash_key_attribute(), self._range_key_attribute()):
            if key is not None:
                stored.pop(key.attr_name, None)
        return bool(stored) and stored == sent


class Entity(SavedOnce):
    class Meta:
        table_name = "nara-unconfigured"
        region = "eu-north-1"
        host: str | None = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    type = DiscriminatorAttribute()
    version = VersionAttribute()
    ttl = TTLAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    queue_index = QueueIndex()
    owner_index = OwnerIndex()
    queue_view_index = QueueViewIndex()


@dataclass(frozen=True)
class DynamoSettings:
    table_name: str
    audit_table_name: str
    region: str
    endpoint: str | None


_settings: list[DynamoSettings] = []  # the tables the models point at (set by ``configure``)
_hooks: list[Callable[[DynamoSettings], None]] = []  # models of another table (the audit log's): see on_configure


def _entity_models() -> list[type[Model]]:
    """Entity and every item class derived from it that is defined so far (whichever modules are loaded)."""
    found: list[type[Model]] = [Entity]
    for model in found:
        found.extend(model.__subclasses__())
    return found


def configure(settings: DynamoSettings) -> Connection:
    """Point every model at the tenant's tables, those defined later too. Called once by ``bootstrap``."""
    Entity.Meta.table_name = settings.table_name  # the items derived from Entity share its Meta
    Entity.Meta.region = settings.region
    Entity.Meta.host = settings.endpoint
    for model in _entity_models():
        model._connection = None  # a cached connection points at the tables of before
    _settings[:] = [settings]
    for hook in _hooks:
        hook(settings)
    return Connection(region=settings.region, host=settings.endpoint)


def on_configure(hook: Callable[[DynamoSettings], None]) -> None:
    """Call ``hook`` with the settings now if the tables are configured, and again each time they are (models whose
    Meta is their own, as the audit log's, point themselves at their table)."""
    _hooks.append(hook)
    if _settings:
        hook(_settings[0])

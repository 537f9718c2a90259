"""Phrase templates (frasmallar) in the tenant's main table.

Keys (built here, each starting with the tenant): a unit's templates under the unit, a staff member's personal ones
under their HSA-id, so listing one scope is one Query and nobody's key reaches another owner's templates:

    pk  T#{tenant}#TPL#UNIT#{unit_id}    sk  TPL#{template_id}
    pk  T#{tenant}#TPL#STAFF#{hsa_id}    sk  TPL#{template_id}

Every write is conditional: a create on the key being free, an edit or delete on the version read. A delete leaves
a tombstone for two days (TTL) that remembers the version it deleted, so a retried delete is answered as done.

A change of a unit's template is recorded on the unit's history (``UnitChangeItem``, who, when, what) in the same
transaction as the change itself, so there is never a change without its record nor a record without its change. A
personal template has no such history (it is nobody's business but its owner's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import Entity, UnitChange, condition_failed, error_code, unit_change_item
from chalicelib.domain.errors import Conflict
from chalicelib.domain.templates import UNIT, PhraseTemplate

TOMBSTONE_DAYS = 2


def template_pk(tenant: str, scope: str, owner: str) -> str:
    return f"T#{tenant}#TPL#{'UNIT' if scope == UNIT else 'STAFF'}#{owner}"


def template_sk(template_id: str) -> str:
    return f"TPL#{template_id}"


TEMPLATE_PREFIX = "TPL#"


class PhraseTemplateItem(Entity, discriminator="phrase_template"):
    tenant = UnicodeAttribute()
    template_id = UnicodeAttribute()
    scope = UnicodeAttribute()
    owner = UnicodeAttribute()
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    language = UnicodeAttribute()
    tags = JSONAttribute()  # [str]
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute()
    updated_by_name = UnicodeAttribute(null=True)
    deleted_at = UTCDateTimeAttribute(null=True)  # a tombstone: deleted, kept until the TTL removes it
    deleted_version = NumberAttribute(null=True)  # the version that was deleted (a retried delete names it)


TEMPLATE_MODELS: tuple[type[Model], ...] = (PhraseTemplateItem,)


def configure() -> None:
    """Forget cached connections after ``dynamo.configure`` pointed the table elsewhere (called by bootstrap)."""
    for model in TEMPLATE_MODELS:
        model._connection = None


@dataclass(frozen=True)
class Stored:
    """A template as found by its key: live, or a tombstone (``deleted_version`` set)."""

    template: PhraseTemplate
    deleted_version: int | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_version is not None


def _template(item: PhraseTemplateItem) -> PhraseTemplate:
    return PhraseTemplate(
        template_id=item.template_id,
        tenant=item.tenant,
        scope=item.scope,
        owner=item.owner,
        title=item.title,
        text=item.text,
        language=item.language,
        tags=tuple(str(t) for t in item.tags or ()),
        updated_at=item.updated_at,
        updated_by=item.updated_by,
        updated_by_name=item.updated_by_name or "",
        version=int(item.version or 0),
    )


def _item(template: PhraseTemplate) -> PhraseTemplateItem:
    item = PhraseTemplateItem(
        pk=template_pk(template.tenant, template.scope, template.owner),
        sk=template_sk(template.template_id),
        tenant=template.tenant,
        template_id=template.template_id,
        scope=template.scope,
        owner=template.owner,
        title=template.title,
        text=template.text,
        language=template.language,
        tags=list(template.tags),
        updated_at=template.updated_at,
        updated_by=template.updated_by,
        updated_by_name=template.updated_by_name or None,
    )
    if template.version:
        item.version = template.version  # pynamodb makes the write conditional on it and increments it
    return item


class DynamoTemplates:
    """The phrase templates of units and of staff members."""

    def of_owner(self, tenant: str, scope: str, owner: str) -> list[PhraseTemplate]:
        """The live templates of one unit or one staff member: one Query."""
        items = PhraseTemplateItem.query(
            template_pk(tenant, scope, owner),
            PhraseTemplateItem.sk.startswith(TEMPLATE_PREFIX),
            consistent_read=True,
        )
        return [_template(i) for i in items if isinstance(i, PhraseTemplateItem) and i.deleted_at is None]

    def find(self, tenant: str, scope: str, owner: str, template_id: str) -> Stored | None:
        try:
            item = PhraseTemplateItem.get(
                template_pk(tenant, scope, owner), template_sk(template_id), consistent_read=True
            )
        except DoesNotExist:
            return None
        deleted = None if item.deleted_at is None else int(item.deleted_version or 0)
        return Stored(_template(item), deleted)

    def create(self, template: PhraseTemplate, *, change: UnitChange | None = None) -> PhraseTemplate | None:
        """Store a new template (and ``change`` on its unit's history, in the same transaction); None when its key is
        taken (by an earlier try of the same create, or another)."""
        item = _item(template)
        condition = PhraseTemplateItem.pk.does_not_exist()
        if change is not None:
            return _template(item) if self._with_change(template, change, lambda tx: tx.save(item, condition)) else None
        try:
            item.save(condition=condition)
        except PutError as error:
            if condition_failed(error):
                return None
            raise
        return _template(item)

    def replace(self, template: PhraseTemplate, *, change: UnitChange | None = None) -> PhraseTemplate:
        """Store the edited template if the stored one is live and still has ``template.version`` (and ``change`` on
        its unit's history, in the same transaction); else Conflict."""
        item = _item(template)
        condition = PhraseTemplateItem.pk.exists() & PhraseTemplateItem.deleted_at.does_not_exist()
        if change is not None:
            if not self._with_change(template, change, lambda tx: tx.save(item, condition)):
                raise Conflict("The template changed at the same time.")
            return _template(item)
        try:
            item.save(condition=condition)
        except PutError as error:
            if condition_failed(error):
                raise Conflict("The template changed at the same time.") from error
            raise
        return _template(item)

    def delete(self, template: PhraseTemplate, *, now: datetime, change: UnitChange | None = None) -> None:
        """Turn the template into a tombstone if it is live and still has ``template.version`` (and record ``change``
        on its unit's history, in the same transaction); else Conflict."""
        item = _item(template)
        actions: list[Action] = [
            PhraseTemplateItem.deleted_at.set(now),
            PhraseTemplateItem.deleted_version.set(template.version),
            PhraseTemplateItem.ttl.set(now + timedelta(days=TOMBSTONE_DAYS)),
        ]
        condition = PhraseTemplateItem.pk.exists() & PhraseTemplateItem.deleted_at.does_not_exist()
        if change is not None:
            if not self._with_change(template, change, lambda tx: tx.update(item, actions, condition)):
                raise Conflict("The template changed at the same time.")
            return
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as error:
            if condition_failed(error):
                raise Conflict("The template changed at the same time.") from error
            raise

    @staticmethod
    def _with_change(template: PhraseTemplate, change: UnitChange, write: Callable[[TransactWrite], None]) -> bool:
        """``write`` (conditional, on the version read too) and the unit's history entry (on its key being free) in
        one transaction; False when a condition did not hold. A resent transaction carries the same client request
        token, so DynamoDB does not do it twice."""
        if template.scope != UNIT:
            raise ValueError("only a unit's template has a unit history")
        record = unit_change_item(template.tenant, template.owner, change)
        meta = PhraseTemplateItem.Meta
        try:
            with TransactWrite(connection=Connection(region=meta.region, host=meta.host)) as tx:
                write(tx)
                tx.save(record, condition=Entity.pk.does_not_exist())
        except TransactWriteError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

"""DynamoDB persistence with pynamodb: one table per tenant, single-table design.

Every item derives from :class:`Entity` (type discriminator, optimistic-locking version, TTL). Keys come from
``keys.py`` only; the tenant in each key comes from the caller, who takes it from the authenticated principal.
Every write here is conditional: creates use ``attribute_not_exists``, updates check the version.

``Entity``, the conditional-write helpers and ``configure`` live in ``entity.py``, the session and ephemeral stores
in ``session_store.py`` (a request that only checks its session loads those two, not this module); both are
re-exported here.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import keys, tables
from chalicelib.adapters.entity import DynamoSettings as DynamoSettings
from chalicelib.adapters.entity import Entity as Entity
from chalicelib.adapters.entity import OwnerIndex as OwnerIndex
from chalicelib.adapters.entity import QueueIndex as QueueIndex
from chalicelib.adapters.entity import QueueViewIndex as QueueViewIndex
from chalicelib.adapters.entity import SavedOnce as SavedOnce
from chalicelib.adapters.entity import condition_failed as condition_failed
from chalicelib.adapters.entity import configure as configure
from chalicelib.adapters.entity import error_code as error_code
from chalicelib.adapters.entity import on_configure
from chalicelib.adapters.entity import updated_if as updated_if
from chalicelib.adapters.entity import written_if as written_if
from chalicelib.adapters.session_store import DynamoEphemeral as DynamoEphemeral
from chalicelib.adapters.session_store import DynamoSessions as DynamoSessions
from chalicelib.adapters.session_store import EphemeralItem as EphemeralItem
from chalicelib.adapters.session_store import SessionItem as SessionItem
from chalicelib.adapters.session_store import SessionRecord as SessionRecord
from chalicelib.domain.errors import Conflict
from chalicelib.domain.model import Case, CaseStatus, Message, MessageKind, OfferedTime, QueuedCase, SenderKind


class CaseItem(Entity, discriminator="case"):
    tenant = UnicodeAttribute()
    case_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    patient_ref = UnicodeAttribute()
    reason = UnicodeAttribute()
    free_text = UnicodeAttribute(null=True)
    priority = UnicodeAttribute(null=True)
    profession = UnicodeAttribute()
    status = UnicodeAttribute()
    disposition = UnicodeAttribute(null=True)
    triage = JSONAttribute(null=True)
    submitted_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    message_seq = NumberAttribute(default=0)
    claimed_by = UnicodeAttribute(null=True)
    submitted_by = UnicodeAttribute(null=True)
    draft_id = UnicodeAttribute(null=True)
    expectations = UnicodeAttribute(null=True)
    notify_sms = UnicodeAttribute(null=True)
    notify_email = UnicodeAttribute(null=True)
    first_contact_at = UTCDateTimeAttribute(null=True)  # staff's first message: when the wait ended
    claimed_at = UTCDateTimeAttribute(null=True)
    handed_by = UnicodeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    close_outcome = UnicodeAttribute(null=True)
    close_summary = UnicodeAttribute(null=True)
    patient_name = UnicodeAttribute(null=True)
    patient_age = NumberAttribute(null=True)
    triage_answers = JSONAttribute(null=True)
    overrides = JSONAttribute(null=True)
    referrals = JSONAttribute(null=True)
    entry = JSONAttribute(null=True)  # how the contact began
    routing = JSONAttribute(null=True)  # where routing sent it and why
    queue_card = JSONAttribute(null=True)  # while queued: what the queue shows beyond the fields above (QueuedCase)


class MessageItem(Entity, discriminator="message"):
    tenant = UnicodeAttribute()
    case_id = UnicodeAttribute()
    seq = NumberAttribute()
    client_id = UnicodeAttribute()
    sender_kind = UnicodeAttribute()
    sender_id = UnicodeAttribute()
    sender_name = UnicodeAttribute()
    text = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute()
    kind = UnicodeAttribute(null=True)  # absent: a plain text message
    photo_id = UnicodeAttribute(null=True)
    slot_ids = JSONAttribute(null=True)  # kind booking_offer: the offered times
    slots = JSONAttribute(null=True)  # kind booking_offer: when, how, where and with whom (OfferedTime.to_dict)


class MessageClientIdItem(Entity, discriminator="message_client_id"):
    """Marks a client-supplied message id as used, so a retried send never makes a second message."""

    seq = NumberAttribute()


class IdempotencyItem(Entity, discriminator="idempotency"):
    request_hash = UnicodeAttribute()
    result = JSONAttribute()


class ConnectionItem(Entity, discriminator="connection"):
    tenant = UnicodeAttribute()
    connection_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    kind = UnicodeAttribute()
    connected_at = UTCDateTimeAttribute()


class TimelineItem(Entity, discriminator="timeline"):
    tenant = UnicodeAttribute()
    case_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    data = JSONAttribute(null=True)


class UnitItem(Entity, discriminator="unit"):
    tenant = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    name = UnicodeAttribute()
    details = JSONAttribute()
    changed_by = UnicodeAttribute(null=True)  # HSA-id of the administrator who last changed it (none: onboarding)
    changed_by_name = UnicodeAttribute(null=True)
    changed_at = UTCDateTimeAttribute(null=True)


class OverflowCapacityItem(Entity, discriminator="overflow_capacity"):
    """Overflow cases offered to one partner unit on one day (sort key: the Swedish date); expires after a week."""

    tenant = UnicodeAttribute()
    cases = UnicodeSetAttribute(null=True)


class UnitChangeItem(Entity, discriminator="unit_change"):
    """One change of a unit's settings or of someone's roles there: who, when, what."""

    tenant = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    by = UnicodeAttribute()
    by_name = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    what = UnicodeAttribute()  # settings | roles | template_created | template_edited | template_deleted
    fields = JSONAttribute(null=True)  # settings: the names of the settings changed; template_edited: of its parts
    staff = UnicodeAttribute(null=True)  # roles: whose
    staff_name = UnicodeAttribute(null=True)
    roles = JSONAttribute(null=True)  # roles: the roles now held there
    template_id = UnicodeAttribute(null=True)  # template_*: which of the unit's phrase templates
    template_title = UnicodeAttribute(null=True)  # its title (after an edit, the new one)
    template_was = UnicodeAttribute(null=True)  # template_edited with a new title: the title before


class QueueStatsItem(Entity, discriminator="queue_stats"):
    """Recent first contacts of one unit and profession (newest last), for the waiting room's estimate."""

    tenant = UnicodeAttribute()
    recent = JSONAttribute()  # [{"case_id", "at"}]


class NoticeItem(Entity, discriminator="notice"):
    """When the citizen of a case was last notified (one per case)."""

    tenant = UnicodeAttribute()
    case_id = UnicodeAttribute()
    last_event = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute()


class RegionItem(Entity, discriminator="region"):
    """The region's own settings: after-hours target, akutmottagningar, ..."""

    tenant = UnicodeAttribute()
    details = JSONAttribute()
    changed_by = UnicodeAttribute(null=True)  # HSA-id of the region administrator who last changed it (none: the file)
    changed_by_name = UnicodeAttribute(null=True)
    changed_at = UTCDateTimeAttribute(null=True)


class RegionChangeItem(Entity, discriminator="region_change"):
    """One change made by a region administrator: who, when, what (under the region's key, sort key CHANGE#<when>)."""

    tenant = UnicodeAttribute()
    by = UnicodeAttribute()
    by_name = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    what = UnicodeAttribute()  # settings | unit | admin_given | admin_taken
    fields = JSONAttribute(null=True)  # settings: the names of the settings changed
    unit_id = UnicodeAttribute(null=True)  # unit: the unit added
    unit_name = UnicodeAttribute(null=True)
    staff = UnicodeAttribute(null=True)  # admin_given / admin_taken: whose
    staff_name = UnicodeAttribute(null=True)


class LogoItem(Entity, discriminator="logo"):
    """A logo a region administrator uploaded (an SVG, checked): under the region's key, sort key LOGO#<name>, where
    the name is its content's hash, so an upload is stored once and never changed."""

    tenant = UnicodeAttribute()
    name = UnicodeAttribute()
    svg = UnicodeAttribute()


class StaffItem(Entity, discriminator="staff"):
    tenant = UnicodeAttribute()
    hsa_id = UnicodeAttribute()
    name = UnicodeAttribute()
    roles = JSONAttribute()  # [{"unit_id": ..., "role": ...}]


class UnitStaffItem(Entity, discriminator="unit_staff"):
    """A staff member's roles at one unit, under the unit: who works there is one Query (live queue pushes)."""

    tenant = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    hsa_id = UnicodeAttribute()
    roles = JSONAttribute()  # ["nurse", ...] at this unit
    name = UnicodeAttribute(null=True)  # the staff member's name, for the unit's staff list


class DraftItem(Entity, discriminator="triage_draft"):
    """A triage session in progress: what the citizen wrote and the engine's state (JSON). Expires via TTL."""

    tenant = UnicodeAttribute()
    draft_id = UnicodeAttribute()
    owner = UnicodeAttribute()
    patient_ref = UnicodeAttribute()
    for_child = UnicodeAttribute(null=True)
    unit_id = UnicodeAttribute(null=True)  # None: a region-wide entry, routed when sent
    reason = UnicodeAttribute()
    free_text = UnicodeAttribute(null=True)
    expectations = UnicodeAttribute(null=True)
    notify_sms = UnicodeAttribute(null=True)
    notify_email = UnicodeAttribute(null=True)
    entry = JSONAttribute(null=True)  # how the contact began (a phone call's SMS link)
    case_id = UnicodeAttribute(null=True)  # set once the draft is sent as a case
    state = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()


class AuditStaffIndex(GlobalSecondaryIndex["AuditRecordItem"]):
    class Meta:
        index_name = tables.AUDIT_STAFF_INDEX
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class AuditUnitIndex(GlobalSecondaryIndex["AuditRecordItem"]):
    class Meta:
        index_name = tables.AUDIT_UNIT_INDEX
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class AuditRecordItem(SavedOnce):
    """One access to patient data. Lives in the separate, append-only audit table."""

    class Meta:
        table_name = "nara-unconfigured-audit"
        region = "eu-north-1"
        host: str | None = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenant = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_name = UnicodeAttribute()
    actor_roles = JSONAttribute()
    unit_id = UnicodeAttribute()
    patient_ref = UnicodeAttribute()
    case_id = UnicodeAttribute(null=True)  # none for a log review (it reads records, not a case)
    action = UnicodeAttribute()
    ground = UnicodeAttribute(null=True)  # on what ground the access was allowed (older records: none)
    at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    staff_index = AuditStaffIndex()
    unit_index = AuditUnitIndex()


def _configure_audit(settings: DynamoSettings) -> None:
    AuditRecordItem.Meta.table_name = settings.audit_table_name
    AuditRecordItem.Meta.region = settings.region
    AuditRecordItem.Meta.host = settings.endpoint
    AuditRecordItem._connection = None


on_configure(_configure_audit)  # the audit log's table, whenever (and if already) the tables are configured


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _create_once(item: Entity) -> bool:
    """Put the item only if no item has its key; False when one was already there (a repeat is not an error)."""
    try:
        item.save(condition=Entity.pk.does_not_exist())
    except PutError as error:
        if condition_failed(error):
            return False
        raise
    return True


def _case_from_item(item: CaseItem) -> Case:
    return Case(
        case_id=item.case_id,
        tenant=item.tenant,
        unit_id=item.unit_id,
        patient_ref=item.patient_ref,
        reason=item.reason,
        free_text=item.free_text or "",
        priority=item.priority,
        profession=item.profession,
        status=CaseStatus(item.status),
        submitted_at=item.submitted_at,
        version=int(item.version or 0),
        message_seq=int(item.message_seq or 0),
        claimed_by=item.claimed_by,
        submitted_by=item.submitted_by,
        disposition=item.disposition,
        triage=dict(item.triage) if item.triage else None,
        draft_id=item.draft_id,
        expectations=item.expectations or "",
        notify_sms=item.notify_sms,
        notify_email=item.notify_email,
        first_contact_at=item.first_contact_at,
        claimed_at=item.claimed_at,
        handed_by=item.handed_by,
        closed_at=item.closed_at,
        closed_by=item.closed_by,
        close_outcome=item.close_outcome,
        close_summary=item.close_summary,
        patient_name=item.patient_name or "",
        patient_age=None if item.patient_age is None else int(item.patient_age),
        triage_answers=list(item.triage_answers or []),
        overrides=list(item.overrides or []),
        referrals=list(item.referrals or []),
        entry=dict(item.entry) if item.entry else None,
        routing=dict(item.routing) if item.routing else None,
    )


def _item_from_case(case: Case, now: datetime) -> CaseItem:
    submitted = _iso(case.submitted_at)
    item = CaseItem(
        pk=keys.case_pk(case.tenant, case.case_id),
        sk=keys.CASE_SK,
        tenant=case.tenant,
        case_id=case.case_id,
        unit_id=case.unit_id,
        patient_ref=case.patient_ref,
        reason=case.reason,
        free_text=case.free_text or None,
        priority=case.priority,
        profession=case.profession,
        status=case.status.value,
        submitted_at=case.submitted_at,
        updated_at=now,
        message_seq=case.message_seq,
        claimed_by=case.claimed_by,
        submitted_by=case.submitted_by,
        disposition=case.disposition,
        triage=case.triage,
        draft_id=case.draft_id,
        expectations=case.expectations or None,
        notify_sms=case.notify_sms,
        notify_email=case.notify_email,
        first_contact_at=case.first_contact_at,
        claimed_at=case.claimed_at,
        handed_by=case.handed_by,
        closed_at=case.closed_at,
        closed_by=case.closed_by,
        close_outcome=case.close_outcome,
        close_summary=case.close_summary,
        patient_name=case.patient_name or None,
        patient_age=case.patient_age,
        triage_answers=case.triage_answers or None,
        overrides=case.overrides or None,
        referrals=case.referrals or None,
        entry=case.entry,
        routing=case.routing,
        gsi2pk=keys.subject_pk(case.tenant, case.patient_ref),
        gsi2sk=keys.subject_case_sk(submitted, case.case_id),
    )
    if case.status is CaseStatus.QUEUED and case.priority is not None:
        item.gsi1pk = keys.queue_pk(case.tenant, case.unit_id)
        item.gsi1sk = keys.queue_sk(case.priority, submitted, case.case_id)
        # the queue view: the same keys, and only what a queue entry shows projected (tables.QUEUE_VIEW_ATTRIBUTES)
        item.gsi3pk, item.gsi3sk = item.gsi1pk, item.gsi1sk
        item.queue_card = QueuedCase.of(case).card()
    elif case.status is CaseStatus.CLAIMED and case.claimed_by and case.priority is not None:
        # "Mina pågående ärenden": the claimer's cases share the queue index under the holder's key
        item.gsi1pk = keys.holder_pk(case.tenant, case.claimed_by)
        item.gsi1sk = keys.queue_sk(case.priority, submitted, case.case_id)
    if case.version:
        item.version = case.version
    return item


QUEUE_VIEW_READ = ["gsi3sk", "queue_card", "message_seq"]  # the sort key (order, counts, cursor) and the entry


def _queued_from_index(item: dict[str, Any]) -> QueuedCase:
    """A case as the queue view index projects it (tables.QUEUE_VIEW_ATTRIBUTES), from the Query's answer."""
    return QueuedCase.from_card(
        json.loads(item["queue_card"]["S"]),
        message_seq=int(item["message_seq"]["N"]) if "message_seq" in item else 0,
    )


@dataclass(frozen=True)
class QueuePage:
    """One page of a unit's queue: its cases as the queue shows them, the counts by priority and the number of
    cases of the whole queue (for the same professions), and where the page ended when there are more."""

    cases: list[QueuedCase]
    counts: dict[str, int]
    total: int
    after: str | None
    overdue_beyond: list[QueuedCase] = dataclasses.field(default_factory=list)  # past their deadline, not shown


def _message_from_item(item: MessageItem) -> Message:
    return Message(
        case_id=item.case_id,
        seq=int(item.seq),
        client_id=item.client_id,
        sender_kind=SenderKind(item.sender_kind),
        sender_id=item.sender_id,
        sender_name=item.sender_name,
        text=item.text,
        sent_at=item.sent_at,
        kind=MessageKind(item.kind or MessageKind.TEXT.value),
        photo_id=item.photo_id,
        slot_ids=tuple(item.slot_ids or ()),
        slots=tuple(OfferedTime.from_dict(raw) for raw in item.slots or ()),
    )


class DynamoCases:
    """Cases, their chat messages and timeline, and the staff queue index."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(self, case: Case, *, now: datetime, idempotency: tuple[str, str, str, dict[str, Any]]) -> Case:
        """Store a new case together with its idempotency record, atomically.

        ``idempotency`` is (tenant-scoped subject, key, request hash, result). If the key was used before, the
        stored result wins and :class:`Conflict` is raised only when the request differs.
        """
        tenant_subject, key, request_hash, result = idempotency
        item = _item_from_case(case, now)
        marker = IdempotencyItem(
            pk=keys.idempotency_pk(case.tenant, tenant_subject),
            sk=key,
            request_hash=request_hash,
            result=result,
            ttl=now + timedelta(days=2),
        )
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item, condition=CaseItem.pk.does_not_exist())
                tx.save(marker, condition=IdempotencyItem.pk.does_not_exist())
        except TransactWriteError as error:
            raise Conflict("The case or its idempotency key was stored at the same time.") from error
        return _case_from_item(item)

    def update(self, case: Case, *, now: datetime, idempotency: tuple[str, str, str, dict[str, Any]]) -> Case:
        """Store a changed case if the stored one still has ``case.version``, with an idempotency record,
        atomically; Conflict when another write won or the key was used."""
        tenant_subject, key, request_hash, result = idempotency
        item = _item_from_case(case, now)
        marker = IdempotencyItem(
            pk=keys.idempotency_pk(case.tenant, tenant_subject),
            sk=key,
            request_hash=request_hash,
            result=result,
            ttl=now + timedelta(days=2),
        )
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item, condition=CaseItem.pk.exists())  # pynamodb adds the version condition
                tx.save(marker, condition=IdempotencyItem.pk.does_not_exist())
        except TransactWriteError as error:
            raise Conflict("The case changed at the same time.") from error
        return _case_from_item(item)

    def save(self, case: Case, *, now: datetime) -> Case:
        """Store a changed case if the stored one still has ``case.version`` (claim, release, hand-over, close);
        Conflict when another write (a colleague's claim, a chat message) got there first. The whole item is
        written from the case just read, so the queue index keys follow the status: present only while queued."""
        item = _item_from_case(case, now)
        try:
            item.save(condition=CaseItem.pk.exists())  # pynamodb adds "version = case.version" and increments it
        except PutError as error:
            if condition_failed(error):
                raise Conflict("The case changed at the same time.") from error
            raise
        return _case_from_item(item)

    def get(self, tenant: str, case_id: str) -> Case | None:
        try:
            item = CaseItem.get(keys.case_pk(tenant, case_id), keys.CASE_SK, consistent_read=True)
        except CaseItem.DoesNotExist:
            return None
        return _case_from_item(item)

    def queue(self, tenant: str, unit_id: str, professions: str | Iterable[str], *, limit: int = 500) -> list[Case]:
        """The queued cases of one unit for the given profession(s), most urgent first, then longest waiting: one
        Query on the unit's queue partition, filtered to the professions."""
        wanted = [professions] if isinstance(professions, str) else sorted(set(professions))
        if not wanted:
            return []
        items = Entity.queue_index.query(
            keys.queue_pk(tenant, unit_id), filter_condition=CaseItem.profession.is_in(*wanted), limit=limit
        )
        return [_case_from_item(i) for i in items if isinstance(i, CaseItem)]

    def queue_page(
        self,
        tenant: str,
        unit_id: str,
        professions: Iterable[str],
        *,
        after: str | None = None,
        size: int = 50,
        overdue_at: datetime | None = None,
    ) -> QueuePage:
        """A page of the queued cases of one unit for the given professions, most urgent first, then longest waiting,
        with the counts of the whole queue: one Query of the queue view index, which holds only what the queue
        shows (a few hundred bytes a case, not the whole case). DynamoDB reads every case of the partition to count
        them whatever is asked, so the one Query returns them all and the page is cut here; only its cases are
        decoded. ``after``: the sort key where the previous page ended (``QueuePage.after``)."""
        wanted = sorted(set(professions))
        if not wanted:
            return QueuePage([], {}, 0, None)
        connection = Entity._get_connection()
        of_professions = CaseItem.profession.is_in(*wanted)
        found: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            answer = connection.query(
                keys.queue_pk(tenant, unit_id),
                index_name=tables.QUEUE_VIEW_INDEX,
                filter_condition=of_professions,
                attributes_to_get=QUEUE_VIEW_READ,
                exclusive_start_key=start,
            )
            found += answer.get("Items", ())
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        counts = Counter(str(i["gsi3sk"]["S"]).partition("#")[0] for i in found)
        rest = [i for i in found if after is None or str(i["gsi3sk"]["S"]) > after]
        shown = [_queued_from_index(i) for i in rest[:size]]
        # a case past its deadline is escalated wherever it stands in the queue: the first page also brings those
        # the page does not show (their cards are small; the Query read them already)
        beyond = []
        if after is None and overdue_at is not None:
            beyond = [c for c in map(_queued_from_index, rest[size:]) if c.deadline and c.deadline < overdue_at]
        return QueuePage(
            shown, dict(counts), len(found), str(rest[size - 1]["gsi3sk"]["S"]) if len(rest) > size else None, beyond
        )

    def waiting(self, tenant: str, unit_id: str) -> dict[str, int]:
        """How many cases wait unclaimed in the unit's queue, per profession (routing's capacity): one Query of the
        queue view index reading only the profession each waits for."""
        connection = Entity._get_connection()
        counts: Counter[str] = Counter()
        start: dict[str, Any] | None = None
        while True:
            answer = connection.query(
                keys.queue_pk(tenant, unit_id),
                index_name=tables.QUEUE_VIEW_INDEX,
                attributes_to_get=["profession"],
                exclusive_start_key=start,
            )
            counts.update(str(i["profession"]["S"]) for i in answer.get("Items", ()) if "profession" in i)
            start = answer.get("LastEvaluatedKey")
            if not start:
                return dict(counts)

    def backfill_queue_view(self, tenant: str, unit_id: str, professions: Iterable[str], *, now: datetime) -> int:
        """Give the queue view index (gsi3) the queued cases of one unit written before it existed: each queued case
        the queue index (gsi1) has and the view lacks is written again from itself (conditional on its version; a
        case changed meanwhile already has its keys). Returns how many were written; a second run writes none."""
        wanted = sorted(set(professions))
        if not wanted:
            return 0
        shown = {c.case_id for c in self.queue_page(tenant, unit_id, wanted, size=100_000).cases}
        written = 0
        for case in self.queue(tenant, unit_id, wanted, limit=100_000):
            if case.case_id in shown:
                continue
            try:
                self.save(case, now=now)
                written += 1
            except Conflict:
                continue  # changed meanwhile: that write gave it its keys
        return written

    def held_by(self, tenant: str, hsa_id: str, *, limit: int = 200) -> list[Case]:
        """The cases a staff member holds (claimed or handed to them), most urgent first, then longest waiting."""
        items = Entity.queue_index.query(keys.holder_pk(tenant, hsa_id), limit=limit)
        return [_case_from_item(i) for i in items if isinstance(i, CaseItem)]

    def of_patient(self, tenant: str, patient_ref: str, *, limit: int = 50) -> list[Case]:
        items = Entity.owner_index.query(
            keys.subject_pk(tenant, patient_ref),
            Entity.gsi2sk.startswith("CASE#"),
            scan_index_forward=False,
            limit=limit,
        )
        return [_case_from_item(i) for i in items if isinstance(i, CaseItem)]

    def append_message(self, case: Case, message: Message, *, now: datetime) -> tuple[Message, bool]:
        """Store ``message`` with the case's next sequence number. Returns (message, created).

        The case counter, the message and the client-id marker are written in one transaction: a retry with the
        same client id finds the marker there, the transaction is refused, and the stored message is returned
        instead of a second one (the marker is read only then, not before every message).
        """
        pk = keys.case_pk(case.tenant, case.case_id)
        marker_sk = keys.message_client_sk(message.sender_id, message.client_id)
        tx_case = CaseItem(pk=pk, sk=keys.CASE_SK)
        tx_case.version = case.version  # the update is conditional on this version
        msg_item = MessageItem(
            pk=pk,
            sk=keys.message_sk(message.seq),
            tenant=case.tenant,
            case_id=case.case_id,
            seq=message.seq,
            client_id=message.client_id,
            sender_kind=message.sender_kind.value,
            sender_id=message.sender_id,
            sender_name=message.sender_name,
            text=message.text,
            sent_at=message.sent_at,
            kind=None if message.kind is MessageKind.TEXT else message.kind.value,
            photo_id=message.photo_id,
            slot_ids=list(message.slot_ids) or None,
            slots=[slot.to_dict() for slot in message.slots] or None,
        )
        marker = MessageClientIdItem(pk=pk, sk=marker_sk, seq=message.seq)
        try:
            with TransactWrite(connection=self._connection) as tx:
                actions: list[Action] = [CaseItem.message_seq.set(message.seq), CaseItem.updated_at.set(now)]
                if message.sender_kind is SenderKind.STAFF and case.first_contact_at is None:
                    actions.append(CaseItem.first_contact_at.set(now))
                tx.update(tx_case, actions=actions, condition=CaseItem.message_seq == message.seq - 1)
                tx.save(msg_item, condition=MessageItem.pk.does_not_exist())
                tx.save(marker, condition=MessageClientIdItem.pk.does_not_exist())
        except TransactWriteError as error:
            # Either this client id was used already (a retry) or another message took the sequence number.
            existing = self._message_by_client_id(pk, marker_sk)
            if existing is not None:
                return existing, False
            raise Conflict("Another message was posted at the same time; please retry.") from error
        return message, True

    def _message_by_client_id(self, pk: str, marker_sk: str) -> Message | None:
        try:
            marker = MessageClientIdItem.get(pk, marker_sk, consistent_read=True)
            item = MessageItem.get(pk, keys.message_sk(int(marker.seq)), consistent_read=True)
        except DoesNotExist:
            return None
        return _message_from_item(item)

    def messages(self, tenant: str, case_id: str, *, after: int = 0, limit: int = 500) -> list[Message]:
        items = MessageItem.query(
            keys.case_pk(tenant, case_id),
            MessageItem.sk.between(keys.message_sk(after + 1), keys.message_sk(10**10 - 1)),
            consistent_read=True,
            limit=limit,
        )
        return [_message_from_item(i) for i in items if isinstance(i, MessageItem)]

    def add_timeline(
        self, tenant: str, case_id: str, event_id: str, event_type: str, occurred_at: str, data: dict[str, Any]
    ) -> bool:
        """Record an event on the case's timeline once; False when it was already there."""
        item = TimelineItem(
            pk=keys.case_pk(tenant, case_id),
            sk=keys.timeline_sk(occurred_at, event_id),
            tenant=tenant,
            case_id=case_id,
            event_id=event_id,
            event_type=event_type,
            occurred_at=occurred_at,
            data=data,
        )
        return _create_once(item)

    def timeline(self, tenant: str, case_id: str) -> list[dict[str, Any]]:
        items = TimelineItem.query(
            keys.case_pk(tenant, case_id), TimelineItem.sk.startswith(keys.TIMELINE_PREFIX), consistent_read=True
        )
        return [
            {"event_id": i.event_id, "type": i.event_type, "occurred_at": i.occurred_at, "data": i.data or {}}
            for i in items
            if isinstance(i, TimelineItem)
        ]


class DynamoQueueStats:
    """How fast a unit's staff have been taking cases lately, per profession (a small rolling window)."""

    WINDOW = 20

    def record_first_contact(self, tenant: str, unit_id: str, profession: str, case_id: str, at: datetime) -> None:
        pk, sk = keys.queue_stats_pk(tenant), keys.queue_stats_sk(unit_id, profession)
        for _ in range(5):
            try:
                item = QueueStatsItem.get(pk, sk, consistent_read=True)
            except DoesNotExist:
                item = QueueStatsItem(pk=pk, sk=sk, tenant=tenant, recent=[])
            recent = [e for e in (item.recent or []) if e.get("case_id") != case_id]
            item.recent = [*recent, {"case_id": case_id, "at": _iso(at)}][-self.WINDOW :]
            try:
                item.save()  # conditional on the version read (or on absence)
                return
            except PutError as error:
                if not condition_failed(error):
                    raise

    def first_contacts(self, tenant: str, unit_id: str, profession: str) -> list[datetime]:
        try:
            item = QueueStatsItem.get(keys.queue_stats_pk(tenant), keys.queue_stats_sk(unit_id, profession))
        except DoesNotExist:
            return []
        return sorted(datetime.fromisoformat(str(e["at"])) for e in item.recent or [])


class DynamoNoticeLog:
    def claim(self, tenant: str, case_id: str, event_id: str, *, now: datetime, quiet: timedelta) -> bool:
        """Reserve the right to notify about ``case_id`` now: True unless a notice went out within ``quiet``
        (a redelivered event, or the next message of a burst)."""
        item = NoticeItem(
            pk=keys.notice_pk(tenant, case_id),
            sk=keys.NOTICE_SK,
            tenant=tenant,
            case_id=case_id,
            last_event=event_id,
            sent_at=now,
            ttl=now + timedelta(days=30),
        )
        condition = (  # a retry of the same event keeps its reservation (one of its channels may have failed)
            NoticeItem.pk.does_not_exist() | (NoticeItem.sent_at < now - quiet) | (NoticeItem.last_event == event_id)
        )
        return written_if(lambda: item.save(condition=condition, add_version_condition=False))

    def release(self, tenant: str, case_id: str, event_id: str) -> None:
        """Undo a claim whose notice could not be sent, so the retried event may send it."""
        item = NoticeItem(pk=keys.notice_pk(tenant, case_id), sk=keys.NOTICE_SK)
        written_if(lambda: item.delete(condition=NoticeItem.last_event == event_id, add_version_condition=False))


class DynamoIdempotency:
    """Looks up the stored result of an earlier request with the same idempotency key."""

    def find(self, tenant: str, subject: str, key: str) -> tuple[str, dict[str, Any]] | None:
        try:
            item = IdempotencyItem.get(keys.idempotency_pk(tenant, subject), key, consistent_read=True)
        except IdempotencyItem.DoesNotExist:
            return None
        return item.request_hash, dict(item.result)


class DynamoConnections:
    """WebSocket connections, findable by id and by the subject (citizen or staff member) behind them."""

    def add(self, tenant: str, connection_id: str, subject: str, kind: str, *, now: datetime, ttl_seconds: int) -> None:
        item = ConnectionItem(
            pk=keys.connection_pk(tenant, connection_id),
            sk=keys.CONNECTION_SK,
            tenant=tenant,
            connection_id=connection_id,
            subject=subject,
            kind=kind,
            connected_at=now,
            gsi2pk=keys.subject_pk(tenant, subject),
            gsi2sk=keys.subject_connection_sk(connection_id),
            ttl=now + timedelta(seconds=ttl_seconds),
        )
        item.save(condition=ConnectionItem.pk.does_not_exist())

    def remove(self, tenant: str, connection_id: str) -> None:
        try:
            item = ConnectionItem.get(keys.connection_pk(tenant, connection_id), keys.CONNECTION_SK)
        except ConnectionItem.DoesNotExist:
            return
        # gone already (by another call, or this one's lost answer) is as wanted
        written_if(lambda: item.delete(condition=ConnectionItem.pk.exists()))

    def of_subject(self, tenant: str, subject: str) -> list[str]:
        items = Entity.owner_index.query(keys.subject_pk(tenant, subject), Entity.gsi2sk.startswith("CONN#"))
        return [i.connection_id for i in items if isinstance(i, ConnectionItem)]


class DynamoDirectory:
    """Units and staff of the tenant (seeded by onboarding; administered later)."""

    def put_unit(self, tenant: str, unit_id: str, name: str, details: dict[str, Any]) -> None:
        item = UnitItem(pk=keys.unit_pk(tenant), sk=unit_id, tenant=tenant, unit_id=unit_id, name=name, details=details)
        _create_once(item)

    def unit(self, tenant: str, unit_id: str) -> dict[str, Any] | None:
        try:
            item = UnitItem.get(keys.unit_pk(tenant), unit_id)
        except DoesNotExist:
            return None
        return {"unit_id": item.unit_id, "name": item.name, **dict(item.details)}

    def units(self, tenant: str) -> list[dict[str, Any]]:
        return [
            {"unit_id": i.unit_id, "name": i.name, **dict(i.details)}
            for i in UnitItem.query(keys.unit_pk(tenant))
            if isinstance(i, UnitItem)
        ]

    def put_region(self, tenant: str, details: dict[str, Any]) -> None:
        _create_once(RegionItem(pk=keys.region_pk(tenant), sk=keys.REGION_SK, tenant=tenant, details=details))

    def set_region(self, tenant: str, details: dict[str, Any]) -> bool:
        """Replace the region's settings (its configuration file is their source), conditional on the version just
        read; False when nothing changed."""
        try:
            item = RegionItem.get(keys.region_pk(tenant), keys.REGION_SK, consistent_read=True)
        except DoesNotExist:
            return _create_once(
                RegionItem(pk=keys.region_pk(tenant), sk=keys.REGION_SK, tenant=tenant, details=details)
            )
        if dict(item.details) == details:
            return False
        item.details = details
        item.save()  # conditional on the version read
        return True

    def region(self, tenant: str) -> dict[str, Any]:
        """The region's settings ({} when none are stored: the defaults apply)."""
        try:
            item = RegionItem.get(keys.region_pk(tenant), keys.REGION_SK)
        except DoesNotExist:
            return {}
        return dict(item.details)

    def put_staff(self, tenant: str, hsa_id: str, name: str, roles: list[dict[str, str]]) -> None:
        """The staff member, and under each of their units an entry with their roles there (conditional creates:
        seeding again writes nothing twice and fills in entries an earlier seed lacked)."""
        item = StaffItem(
            pk=keys.staff_pk(tenant, hsa_id), sk=keys.STAFF_SK, tenant=tenant, hsa_id=hsa_id, name=name, roles=roles
        )
        _create_once(item)
        per_unit: dict[str, list[str]] = {}
        for role in roles:
            per_unit.setdefault(role["unit_id"], []).append(role["role"])
        for unit_id, unit_roles in per_unit.items():
            entry = UnitStaffItem(
                pk=keys.unit_staff_pk(tenant, unit_id),
                sk=keys.unit_staff_sk(hsa_id),
                tenant=tenant,
                unit_id=unit_id,
                hsa_id=hsa_id,
                roles=sorted(set(unit_roles)),
                name=name,
            )
            _create_once(entry)

    def staff_of_unit(self, tenant: str, unit_id: str, role: str | None = None) -> list[str]:
        """The HSA-ids of the unit's staff (only those holding ``role`` there, when given): one Query."""
        return [
            i.hsa_id
            for i in UnitStaffItem.query(keys.unit_staff_pk(tenant, unit_id))
            if isinstance(i, UnitStaffItem) and (role is None or role in (i.roles or []))
        ]

    def staff(self, tenant: str, hsa_id: str) -> dict[str, Any] | None:
        try:
            item = StaffItem.get(keys.staff_pk(tenant, hsa_id), keys.STAFF_SK)
        except StaffItem.DoesNotExist:
            return None
        return {"hsa_id": item.hsa_id, "name": item.name, "roles": list(item.roles)}

    # --- Administration (docs/administration.md) ------------------------------------------------------------------

    def unit_record(self, tenant: str, unit_id: str) -> UnitRecord | None:
        try:
            item = UnitItem.get(keys.unit_pk(tenant), unit_id, consistent_read=True)
        except DoesNotExist:
            return None
        return UnitRecord(
            item.unit_id,
            item.name,
            dict(item.details),
            int(item.version or 0),
            item.changed_by,
            item.changed_by_name,
            item.changed_at,
        )

    def update_unit(
        self,
        tenant: str,
        unit_id: str,
        name: str,
        details: dict[str, Any],
        *,
        version: int,
        change: UnitChange,
    ) -> bool:
        """Store a unit's new settings if it is still at ``version``, with the change on its history, in one
        transaction; False when someone else changed it first."""
        item = UnitItem(
            pk=keys.unit_pk(tenant),
            sk=unit_id,
            tenant=tenant,
            unit_id=unit_id,
            name=name,
            details=details,
            changed_by=change.by,
            changed_by_name=change.by_name,
            changed_at=change.at,
        )
        item.version = version
        try:
            with TransactWrite(connection=Connection(region=UnitItem.Meta.region, host=UnitItem.Meta.host)) as tx:
                tx.save(item)  # conditional on the version read
                tx.save(self._change_item(tenant, unit_id, change), condition=Entity.pk.does_not_exist())
        except TransactWriteError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

    def unit_staff(self, tenant: str, unit_id: str) -> list[dict[str, Any]]:
        """Who works at the unit and as what: one Query."""
        return [
            {"hsa_id": i.hsa_id, "name": i.name or i.hsa_id, "roles": sorted(i.roles or [])}
            for i in UnitStaffItem.query(keys.unit_staff_pk(tenant, unit_id))
            if isinstance(i, UnitStaffItem)
        ]

    def set_roles_at(
        self, tenant: str, unit_id: str, hsa_id: str, name: str, roles: list[str], *, change: UnitChange
    ) -> bool:
        """Give a staff member exactly ``roles`` at the unit (none: they no longer work there), keeping their roles
        at other units; the person, the unit's staff entry and the change in one transaction, conditional on the
        person as read. False when their roles changed meanwhile (read again and retry)."""
        try:
            person = StaffItem.get(keys.staff_pk(tenant, hsa_id), keys.STAFF_SK, consistent_read=True)
        except DoesNotExist:
            person = StaffItem(pk=keys.staff_pk(tenant, hsa_id), sk=keys.STAFF_SK, tenant=tenant, hsa_id=hsa_id)
            person.roles = []
        others = [r for r in (person.roles or []) if r["unit_id"] != unit_id]
        person.name = name or person.name or hsa_id
        person.roles = others + [{"unit_id": unit_id, "role": r} for r in sorted(set(roles))]
        try:
            entry = UnitStaffItem.get(
                keys.unit_staff_pk(tenant, unit_id), keys.unit_staff_sk(hsa_id), consistent_read=True
            )
        except DoesNotExist:
            entry = UnitStaffItem(
                pk=keys.unit_staff_pk(tenant, unit_id),
                sk=keys.unit_staff_sk(hsa_id),
                tenant=tenant,
                unit_id=unit_id,
                hsa_id=hsa_id,
            )
        entry.roles, entry.name = sorted(set(roles)), person.name
        try:
            with TransactWrite(connection=Connection(region=UnitItem.Meta.region, host=UnitItem.Meta.host)) as tx:
                tx.save(person)  # each conditional on the version read (or on the item's absence)
                if roles:
                    tx.save(entry)
                elif entry.version:
                    tx.delete(entry)
                tx.save(self._change_item(tenant, unit_id, change), condition=Entity.pk.does_not_exist())
        except TransactWriteError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

    def unit_changes(self, tenant: str, unit_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The unit's latest changes, newest first."""
        items = UnitChangeItem.query(keys.unit_changes_pk(tenant, unit_id), scan_index_forward=False, limit=limit)
        return [
            {
                "by": i.by,
                "by_name": i.by_name,
                "at": i.at,
                "what": i.what,
                "fields": list(i.fields or []),
                "staff": i.staff,
                "staff_name": i.staff_name,
                "roles": list(i.roles or []) if i.roles is not None else None,
                "template_id": i.template_id,
                "template_title": i.template_title,
                "template_was": i.template_was,
            }
            for i in items
            if isinstance(i, UnitChangeItem)
        ]

    # --- Region administration (docs/administration.md) ----------------------------------------------------------

    def region_record(self, tenant: str) -> RegionRecord | None:
        try:
            item = RegionItem.get(keys.region_pk(tenant), keys.REGION_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return RegionRecord(
            dict(item.details), int(item.version or 0), item.changed_by, item.changed_by_name, item.changed_at
        )

    def update_region(self, tenant: str, details: dict[str, Any], *, version: int, change: RegionChange) -> bool:
        """Store the region's new settings if it is still at ``version``, with the change on its history, in one
        transaction; False when someone else changed it first."""
        item = RegionItem(
            pk=keys.region_pk(tenant),
            sk=keys.REGION_SK,
            tenant=tenant,
            details=details,
            changed_by=change.by,
            changed_by_name=change.by_name,
            changed_at=change.at,
        )
        item.version = version
        try:
            with TransactWrite(connection=Connection(region=RegionItem.Meta.region, host=RegionItem.Meta.host)) as tx:
                tx.save(item)  # conditional on the version read
                tx.save(self._region_change_item(tenant, change), condition=Entity.pk.does_not_exist())
        except TransactWriteError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

    def create_unit(
        self, tenant: str, unit_id: str, name: str, details: dict[str, Any], *, change: RegionChange
    ) -> bool:
        """A new unit and the change on the region's history, in one transaction; False when a unit with this id is
        already there."""
        item = UnitItem(pk=keys.unit_pk(tenant), sk=unit_id, tenant=tenant, unit_id=unit_id, name=name, details=details)
        try:
            with TransactWrite(connection=Connection(region=UnitItem.Meta.region, host=UnitItem.Meta.host)) as tx:
                tx.save(item, condition=Entity.pk.does_not_exist())
                tx.save(self._region_change_item(tenant, change), condition=Entity.pk.does_not_exist())
        except TransactWriteError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

    def put_logo(self, tenant: str, name: str, svg: str) -> bool:
        """Keep an uploaded logo under its name (its content's hash); False when it was already there."""
        return _create_once(
            LogoItem(pk=keys.region_pk(tenant), sk=f"{LOGO_SK}{name}", tenant=tenant, name=name, svg=svg)
        )

    def logo(self, tenant: str, name: str) -> str | None:
        """An uploaded logo of the region (None: no such logo)."""
        try:
            item = LogoItem.get(keys.region_pk(tenant), f"{LOGO_SK}{name}")
        except DoesNotExist:
            return None
        return item.svg if isinstance(item, LogoItem) else None

    def region_changes(self, tenant: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The region's latest changes by its administrators, newest first."""
        items = RegionChangeItem.query(
            keys.region_pk(tenant),
            RegionChangeItem.sk.startswith(REGION_CHANGE_SK),
            scan_index_forward=False,
            limit=limit,
        )
        return [
            {
                "by": i.by,
                "by_name": i.by_name,
                "at": i.at,
                "what": i.what,
                "fields": list(i.fields or []),
                "unit_id": i.unit_id,
                "unit_name": i.unit_name,
                "staff": i.staff,
                "staff_name": i.staff_name,
            }
            for i in items
            if isinstance(i, RegionChangeItem)
        ]

    @staticmethod
    def _region_change_item(tenant: str, change: RegionChange) -> RegionChangeItem:
        return RegionChangeItem(
            pk=keys.region_pk(tenant),
            sk=f"{REGION_CHANGE_SK}{_iso(change.at)}#{change.change_id}",
            tenant=tenant,
            by=change.by,
            by_name=change.by_name,
            at=change.at,
            what=change.what,
            fields=list(change.fields) or None,
            unit_id=change.unit_id,
            unit_name=change.unit_name,
            staff=change.staff,
            staff_name=change.staff_name,
        )

    @staticmethod
    def _change_item(tenant: str, unit_id: str, change: UnitChange) -> UnitChangeItem:
        return unit_change_item(tenant, unit_id, change)


class DynamoOverflowCapacity:
    """A partner unit's daily overflow capacity: the set of cases offered to it that day, one taken at a time."""

    def take(self, tenant: str, unit_id: str, day: str, *, limit: int, case_id: str) -> bool:
        """Count ``case_id`` as offered today if fewer than ``limit`` were; of two at once, only as many as fit
        succeed. A case already counted passes again without counting twice (a call resent after its answer was
        lost), so the day's capacity is never used up by retries."""
        if limit <= 0:
            return False
        item = OverflowCapacityItem(pk=keys.overflow_capacity_pk(tenant, unit_id), sk=day)
        return updated_if(
            item,
            [
                OverflowCapacityItem.cases.add({case_id}),
                OverflowCapacityItem.tenant.set(tenant),
                OverflowCapacityItem.ttl.set(datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=8)),
            ],
            OverflowCapacityItem.cases.does_not_exist()
            | (size(OverflowCapacityItem.cases) < limit)
            | OverflowCapacityItem.cases.contains(case_id),
        )

    def give_back(self, tenant: str, unit_id: str, day: str, case_id: str) -> None:
        """Undo a ``take`` whose offer could not be made (doing it twice changes nothing more)."""
        item = OverflowCapacityItem(pk=keys.overflow_capacity_pk(tenant, unit_id), sk=day)
        updated_if(item, [OverflowCapacityItem.cases.delete({case_id})], OverflowCapacityItem.pk.exists())

    def offered(self, tenant: str, unit_id: str, day: str) -> int:
        try:
            item = OverflowCapacityItem.get(keys.overflow_capacity_pk(tenant, unit_id), day, consistent_read=True)
        except DoesNotExist:
            return 0
        return len(item.cases or ())


@dataclass(frozen=True)
class UnitRecord:
    unit_id: str
    name: str
    details: dict[str, Any]
    version: int
    changed_by: str | None
    changed_by_name: str | None
    changed_at: datetime | None


@dataclass(frozen=True)
class UnitChange:
    change_id: str
    by: str
    by_name: str
    at: datetime
    what: str  # settings | roles | template_created | template_edited | template_deleted
    fields: tuple[str, ...] = ()
    staff: str | None = None
    staff_name: str | None = None
    roles: tuple[str, ...] | None = None
    template_id: str | None = None
    template_title: str | None = None
    template_was: str | None = None


def unit_change_item(tenant: str, unit_id: str, change: UnitChange) -> UnitChangeItem:
    """The change as the unit's history keeps it (sort key: when, then the change's own id). Written in the same
    transaction as what it records, on the condition that no item has its key."""
    return UnitChangeItem(
        pk=keys.unit_changes_pk(tenant, unit_id),
        sk=f"{_iso(change.at)}#{change.change_id}",
        tenant=tenant,
        unit_id=unit_id,
        by=change.by,
        by_name=change.by_name,
        at=change.at,
        what=change.what,
        fields=list(change.fields) or None,
        staff=change.staff,
        staff_name=change.staff_name,
        roles=list(change.roles) if change.roles is not None else None,
        template_id=change.template_id,
        template_title=change.template_title,
        template_was=change.template_was,
    )


REGION_CHANGE_SK = "CHANGE#"  # the region's history sits beside the region item (sort key REGION)
LOGO_SK = "LOGO#"  # and the logos its administrators uploaded


@dataclass(frozen=True)
class RegionRecord:
    details: dict[str, Any]
    version: int
    changed_by: str | None
    changed_by_name: str | None
    changed_at: datetime | None


@dataclass(frozen=True)
class RegionChange:
    change_id: str
    by: str
    by_name: str
    at: datetime
    what: str  # settings | unit | admin_given | admin_taken
    fields: tuple[str, ...] = ()
    unit_id: str | None = None
    unit_name: str | None = None
    staff: str | None = None
    staff_name: str | None = None


@dataclass(frozen=True)
class DraftRecord:
    """A stored triage draft. ``state`` is the engine's serialised ``TriageState``; ``version`` guards each write."""

    tenant: str
    draft_id: str
    owner: str  # the citizen who runs the triage
    patient_ref: str  # the owner, or the child they act for
    for_child: str | None
    unit_id: str | None  # None: entered region-wide (routing finds the unit when it is sent)
    reason: str
    free_text: str
    state: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    version: int = 0
    expectations: str = ""
    notify_sms: str | None = None
    notify_email: str | None = None
    entry: dict[str, Any] | None = None  # how the contact began (a unit's link, a phone call's SMS link)
    case_id: str | None = None  # the case it became, once sent


def _draft_from_item(item: DraftItem) -> DraftRecord:
    return DraftRecord(
        tenant=item.tenant,
        draft_id=item.draft_id,
        owner=item.owner,
        patient_ref=item.patient_ref,
        for_child=item.for_child,
        unit_id=item.unit_id,
        reason=item.reason,
        free_text=item.free_text or "",
        expectations=item.expectations or "",
        notify_sms=item.notify_sms,
        notify_email=item.notify_email,
        entry=dict(item.entry) if item.entry else None,
        case_id=item.case_id,
        state=item.state,
        created_at=item.created_at,
        updated_at=item.updated_at,
        expires_at=item.expires_at,
        version=int(item.version or 0),
    )


def _item_from_draft(draft: DraftRecord) -> DraftItem:
    item = DraftItem(
        pk=keys.draft_pk(draft.tenant, draft.owner),
        sk=keys.draft_sk(draft.draft_id),
        tenant=draft.tenant,
        draft_id=draft.draft_id,
        owner=draft.owner,
        patient_ref=draft.patient_ref,
        for_child=draft.for_child,
        unit_id=draft.unit_id,
        reason=draft.reason,
        free_text=draft.free_text or None,
        expectations=draft.expectations or None,
        notify_sms=draft.notify_sms,
        notify_email=draft.notify_email,
        entry=draft.entry,
        case_id=draft.case_id,
        state=draft.state,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
        expires_at=draft.expires_at,
        ttl=draft.expires_at,
    )
    if draft.version:
        item.version = draft.version
    return item


class DynamoDrafts:
    """Triage drafts, keyed by their owner: created once with an idempotency record, then replaced by version."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(self, draft: DraftRecord, *, idempotency: tuple[str, str, dict[str, Any]]) -> DraftRecord:
        """Store a new draft and its idempotency record (key, request hash, result) atomically; Conflict if either
        exists."""
        key, request_hash, result = idempotency
        item = _item_from_draft(draft)
        marker = IdempotencyItem(
            pk=keys.idempotency_pk(draft.tenant, draft.owner),
            sk=key,
            request_hash=request_hash,
            result=result,
            ttl=draft.created_at + timedelta(days=2),
        )
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item, condition=DraftItem.pk.does_not_exist())
                tx.save(marker, condition=IdempotencyItem.pk.does_not_exist())
        except TransactWriteError as error:
            raise Conflict("The draft or its idempotency key was stored at the same time.") from error
        return _draft_from_item(item)

    def get(self, tenant: str, owner: str, draft_id: str) -> DraftRecord | None:
        try:
            item = DraftItem.get(keys.draft_pk(tenant, owner), keys.draft_sk(draft_id), consistent_read=True)
        except DoesNotExist:
            return None
        return _draft_from_item(item)

    def of_owner(self, tenant: str, owner: str, *, limit: int = 50) -> list[DraftRecord]:
        """The owner's drafts, newest first (expired ones may linger until TTL removes them: callers filter)."""
        items = DraftItem.query(
            keys.draft_pk(tenant, owner),
            DraftItem.sk.startswith(keys.draft_sk("")),
            consistent_read=True,
            limit=limit,
        )
        return sorted((_draft_from_item(i) for i in items), key=lambda d: d.updated_at, reverse=True)

    def replace(self, draft: DraftRecord, *, now: datetime, **changes: Any) -> DraftRecord:
        """Write the draft with ``changes`` (state, intake fields, case_id) if the stored draft still has
        ``draft.version``; Conflict when another write won."""
        item = _item_from_draft(dataclasses.replace(draft, **changes))
        item.updated_at = now
        try:
            item.save(condition=DraftItem.pk.exists())  # pynamodb adds "version = draft.version" and increments it
        except PutError as error:
            if condition_failed(error):
                raise Conflict("The triage changed at the same time; reload it.") from error
            raise
        return _draft_from_item(item)


def _audit_item(
    *,
    tenant: str,
    record_id: str,
    actor: str,
    actor_name: str,
    actor_roles: list[str],
    unit_id: str,
    patient_ref: str,
    case_id: str | None,
    action: str,
    at: datetime,
    ground: str | None,
) -> AuditRecordItem:
    sk = keys.audit_sk(_iso(at), record_id)
    return AuditRecordItem(
        pk=keys.audit_pk(tenant, patient_ref),
        sk=sk,
        tenant=tenant,
        actor=actor,
        actor_name=actor_name,
        actor_roles=actor_roles,
        unit_id=unit_id,
        patient_ref=patient_ref,
        case_id=case_id,
        action=action,
        ground=ground,
        at=at,
        gsi1pk=keys.audit_unit_staff_pk(tenant, unit_id, actor),
        gsi1sk=sk,
        gsi2pk=keys.audit_unit_pk(tenant, unit_id),
        gsi2sk=sk,
    )


class ListSeenItem(Entity, discriminator="list_seen"):
    """That a staff member's list (queue, Pågående) showed a case on this day, so its access record is written:
    created in one transaction with that record. Expires after two days."""

    tenant = UnicodeAttribute()


@dataclass(frozen=True)
class ListedCase:
    """One case in a list view, as its access record needs it."""

    case_id: str
    patient_ref: str
    unit_id: str
    actor_roles: list[str]
    ground: str


LIST_TRANSACTION = 50  # cases per transaction: a marker and a record each, within DynamoDB's 100 items


class DynamoAuditLog:
    """Append-only log of staff access to patient data (patientdatalagen): it only ever puts a new item, on the
    condition that none has its key; there is no path that updates or deletes a record."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection

    def record(
        self,
        *,
        tenant: str,
        record_id: str,
        actor: str,
        actor_name: str,
        actor_roles: list[str],
        unit_id: str,
        patient_ref: str,
        case_id: str | None,
        action: str,
        at: datetime,
        ground: str | None = None,  # AuditService always says; None only reads back from records older than grounds
    ) -> None:
        item = _audit_item(
            tenant=tenant,
            record_id=record_id,
            actor=actor,
            actor_name=actor_name,
            actor_roles=actor_roles,
            unit_id=unit_id,
            patient_ref=patient_ref,
            case_id=case_id,
            action=action,
            at=at,
            ground=ground,
        )
        item.save(condition=AuditRecordItem.pk.does_not_exist())

    def record_listed(
        self,
        *,
        tenant: str,
        actor: str,
        actor_name: str,
        action: str,
        day: str,
        at: datetime,
        shown: list[ListedCase],
        ids: Callable[[], str],
    ) -> int:
        """One record per case a list shows, the first time it shows it to this staff member on ``day``; each
        written in one transaction with its day's marker, so a record is never missing where a marker says it is
        there. Raises when the records cannot be written (no list is shown then). How many were written."""
        pk = keys.list_seen_pk(tenant, actor, day)
        seen = self._listed_today(pk, action)
        unique = {c.case_id: c for c in shown}.values()
        due = [c for c in unique if keys.list_seen_sk(action, c.case_id) not in seen]
        written = 0
        for start in range(0, len(due), LIST_TRANSACTION):
            chunk = due[start : start + LIST_TRANSACTION]
            try:
                self._write_listed(tenant, actor, actor_name, action, pk, at, chunk, ids)
                written += len(chunk)
            except TransactWriteError as error:
                if error_code(error) != "TransactionCanceledException":
                    raise
                for case in chunk:  # another request of the same staff member wrote some of them meanwhile
                    try:
                        self._write_listed(tenant, actor, actor_name, action, pk, at, [case], ids)
                        written += 1
                    except TransactWriteError as single:
                        if error_code(single) != "TransactionCanceledException":
                            raise
        return written

    @staticmethod
    def _listed_today(pk: str, action: str) -> set[str]:
        """The sort keys of the day's markers of one list: a Query that returns only them, not the markers."""
        seen: set[str] = set()
        start: dict[str, Any] | None = None
        while True:
            answer = ListSeenItem._get_connection().query(
                pk,
                range_key_condition=ListSeenItem.sk.startswith(f"{action}#"),
                attributes_to_get=["sk"],
                exclusive_start_key=start,
            )
            seen.update(str(i["sk"]["S"]) for i in answer.get("Items", ()))
            start = answer.get("LastEvaluatedKey")
            if not start:
                return seen

    def _write_listed(
        self,
        tenant: str,
        actor: str,
        actor_name: str,
        action: str,
        pk: str,
        at: datetime,
        cases: list[ListedCase],
        ids: Callable[[], str],
    ) -> None:
        if self._connection is None:
            self._connection = Connection(region=AuditRecordItem.Meta.region, host=AuditRecordItem.Meta.host)
        with TransactWrite(connection=self._connection) as tx:
            for case in cases:
                marker = ListSeenItem(pk=pk, sk=keys.list_seen_sk(action, case.case_id), tenant=tenant)
                marker.ttl = at + timedelta(days=2)
                tx.save(marker, condition=ListSeenItem.pk.does_not_exist())
                record = _audit_item(
                    tenant=tenant,
                    record_id=ids(),
                    actor=actor,
                    actor_name=actor_name,
                    actor_roles=case.actor_roles,
                    unit_id=case.unit_id,
                    patient_ref=case.patient_ref,
                    case_id=case.case_id,
                    action=action,
                    at=at,
                    ground=case.ground,
                )
                tx.save(record, condition=AuditRecordItem.pk.does_not_exist())

    def of_patient(self, tenant: str, patient_ref: str) -> Iterator[dict[str, Any]]:
        """Every record of one patient, oldest first."""
        for item in AuditRecordItem.query(keys.audit_pk(tenant, patient_ref)):
            yield _audit_record(item)

    def page_of_patient(
        self, tenant: str, patient_ref: str, *, limit: int, after: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a patient's records, newest first. ``after`` is the sort key where the previous page ended;
        the sort key where this one ends is returned (None: no more pages)."""
        pk = keys.audit_pk(tenant, patient_ref)
        start = {"pk": {"S": pk}, "sk": {"S": after}} if after else None
        result = AuditRecordItem.query(pk, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        records = [_audit_record(item) for item in result]
        last = result.last_evaluated_key
        return records, (str(last["sk"]["S"]) if last else None)

    def of_unit(
        self, tenant: str, unit_id: str, *, since: datetime, until: datetime, staff: str | None = None, limit: int
    ) -> list[dict[str, Any]]:
        """A unit's records in [since, until], newest first: all of them, or one staff member's there."""
        if staff is None:
            pk, window = keys.audit_unit_pk(tenant, unit_id), AuditRecordItem.gsi2sk.between(_iso(since), _iso(until))
            items = AuditRecordItem.unit_index.query(pk, window, scan_index_forward=False, limit=limit)
        else:
            pk = keys.audit_unit_staff_pk(tenant, unit_id, staff)
            window = AuditRecordItem.gsi1sk.between(_iso(since), _iso(until))
            items = AuditRecordItem.staff_index.query(pk, window, scan_index_forward=False, limit=limit)
        return [_audit_record(i) for i in items]


def _audit_record(item: AuditRecordItem) -> dict[str, Any]:
    return {
        "record_id": item.sk.rpartition("#")[2],
        "actor": item.actor,
        "actor_name": item.actor_name,
        "actor_roles": list(item.actor_roles or []),
        "unit_id": item.unit_id,
        "patient_ref": item.patient_ref,
        "case_id": item.case_id,
        "action": item.action,
        "ground": item.ground,
        "at": _iso(item.at),
    }


def decode_stream_image(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """A DynamoDB stream image (typed JSON) as a plain dict, for the domain event translator."""
    if not image:
        return None
    out: dict[str, Any] = {}
    for name, typed in image.items():
        ((kind, value),) = typed.items()
        if kind == "N":
            out[name] = int(value) if value.lstrip("-").isdigit() else float(value)
        elif kind in ("S", "BOOL"):
            out[name] = value
        elif kind == "NULL":
            out[name] = None
        else:
            out[name] = json.loads(json.dumps(value, default=str))
    for name in JSON_CASE_ATTRIBUTES:  # stored as JSON text (pynamodb JSONAttribute): give the events the lists
        if isinstance(out.get(name), str):
            out[name] = json.loads(out[name])
    return out


# The case attributes that hold JSON documents (decoded for the event translator).
JSON_CASE_ATTRIBUTES = ("overrides", "referrals")


# --- Notices to citizens (held SMS, event claims) and phone invitations ---


class NoticeEventItem(Entity, discriminator="notice_event"):
    """A domain event a notice was sent (or deliberately not sent) for; expires after a fortnight."""

    tenant = UnicodeAttribute()
    handled_at = UTCDateTimeAttribute()


class DeferredNoticeItem(Entity, discriminator="notice_deferred"):
    """An SMS held by quiet hours: the text (never health data) and when it may go."""

    tenant = UnicodeAttribute()
    case_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    text = UnicodeAttribute()
    due_at = UTCDateTimeAttribute()
    held_at = UTCDateTimeAttribute(null=True)  # when the event it tells of was handled: a newer one wins


@dataclass(frozen=True)
class DeferredNotice:
    case_id: str
    kind: str
    text: str
    due_at: datetime
    held_at: datetime


class DynamoNoticeEvents:
    """Which events were already notified about, and the SMS that wait for quiet hours to end."""

    def claim(self, tenant: str, event_id: str, channel: str, *, now: datetime) -> bool:
        """True for the first delivery of ``event_id`` on ``channel`` (sms, email); False when it went already."""
        item = NoticeEventItem(
            pk=keys.notice_event_pk(tenant, event_id),
            sk=keys.notice_channel_sk(channel),
            tenant=tenant,
            handled_at=now,
            ttl=now + timedelta(days=14),
        )
        return _create_once(item)

    def release(self, tenant: str, event_id: str, channel: str) -> None:
        """Forget a channel's claim whose notice could not be sent, so the retried event may send it."""
        item = NoticeEventItem(pk=keys.notice_event_pk(tenant, event_id), sk=keys.notice_channel_sk(channel))
        written_if(lambda: item.delete(condition=NoticeEventItem.pk.exists(), add_version_condition=False))

    def defer(self, tenant: str, notice: DeferredNotice) -> bool:
        """Hold an SMS; a later one of the same kind for the same case replaces it (one text, not a pile), an older
        one never replaces a newer (a failed send put back while a newer was held). False when a newer is held."""
        item = DeferredNoticeItem(
            pk=keys.deferred_notices_pk(tenant),
            sk=keys.deferred_notice_sk(notice.case_id, notice.kind),
            tenant=tenant,
            case_id=notice.case_id,
            kind=notice.kind,
            text=notice.text,
            due_at=notice.due_at,
            held_at=notice.held_at,
            ttl=notice.due_at + timedelta(days=2),
        )
        condition = (
            DeferredNoticeItem.pk.does_not_exist()
            | DeferredNoticeItem.held_at.does_not_exist()
            | (DeferredNoticeItem.held_at <= notice.held_at)
        )
        return written_if(lambda: item.save(condition=condition, add_version_condition=False))

    def due(self, tenant: str, now: datetime, *, limit: int = 500) -> list[DeferredNotice]:
        items = DeferredNoticeItem.query(keys.deferred_notices_pk(tenant), limit=limit)
        return [
            DeferredNotice(i.case_id, i.kind, i.text, i.due_at, i.held_at or i.due_at)
            for i in items
            if isinstance(i, DeferredNoticeItem) and i.due_at <= now
        ]

    def take(self, tenant: str, notice: DeferredNotice) -> bool:
        """Remove a held SMS before sending it: of two senders, exactly one gets True."""
        item = DeferredNoticeItem(
            pk=keys.deferred_notices_pk(tenant), sk=keys.deferred_notice_sk(notice.case_id, notice.kind)
        )
        return written_if(
            lambda: item.delete(condition=DeferredNoticeItem.text == notice.text, add_version_condition=False)
        )


class PhoneInviteItem(Entity, discriminator="phone_invite"):
    """A login link staff sent by SMS to a caller; keyed by the token's hash, never the token."""

    tenant = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    invited_by = UnicodeAttribute()
    invited_by_name = UnicodeAttribute(null=True)
    request_hash = UnicodeAttribute()  # who asked with which key and number: a retry is recognised
    expires_at = UTCDateTimeAttribute()
    used_by = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class PhoneInvite:
    unit_id: str
    invited_by: str
    request_hash: str
    expires_at: datetime
    used_by: str | None
    invited_by_name: str = ""


class DynamoPhoneInvites:
    def create(
        self,
        tenant: str,
        token_hash: str,
        *,
        unit_id: str,
        invited_by: str,
        invited_by_name: str,
        request_hash: str,
        expires_at: datetime,
    ) -> bool:
        """False when an invite with this token exists already (a retried request)."""
        item = PhoneInviteItem(
            pk=keys.phone_invite_pk(tenant, token_hash),
            sk=keys.PHONE_INVITE_SK,
            tenant=tenant,
            unit_id=unit_id,
            invited_by=invited_by,
            invited_by_name=invited_by_name or None,
            request_hash=request_hash,
            expires_at=expires_at,
            ttl=expires_at + timedelta(days=1),
        )
        return _create_once(item)

    def get(self, tenant: str, token_hash: str) -> PhoneInvite | None:
        try:
            pk = keys.phone_invite_pk(tenant, token_hash)
            i = PhoneInviteItem.get(pk, keys.PHONE_INVITE_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return PhoneInvite(i.unit_id, i.invited_by, i.request_hash, i.expires_at, i.used_by, i.invited_by_name or "")

    def delete(self, tenant: str, token_hash: str) -> None:
        item = PhoneInviteItem(pk=keys.phone_invite_pk(tenant, token_hash), sk=keys.PHONE_INVITE_SK)
        try:
            item.delete(add_version_condition=False)
        except DeleteError as error:
            if not condition_failed(error):
                raise

    def use(self, tenant: str, token_hash: str, subject: str) -> bool:
        """Bind the invite to the citizen who opened it first; True for them (again), False for anyone else."""
        item = PhoneInviteItem(pk=keys.phone_invite_pk(tenant, token_hash), sk=keys.PHONE_INVITE_SK)
        try:
            item.update(
                actions=[PhoneInviteItem.used_by.set(subject)],
                condition=PhoneInviteItem.pk.exists()
                & (PhoneInviteItem.used_by.does_not_exist() | (PhoneInviteItem.used_by == subject)),
                add_version_condition=False,
            )
        except UpdateError as error:
            if condition_failed(error):
                return False
            raise
        return True

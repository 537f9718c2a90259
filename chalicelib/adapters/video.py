"""Video meetings in DynamoDB: the meeting, who has joined it, interpreter links and grants.

Item layout (all keys start with the tenant):

    T#{t}#VIDEO#{meeting_id}   MEETING            the meeting (state started|ended; its changes feed the timeline)
                               JOIN#{connection}  a connection that joined (after the relay checked it may)
                               GRANT#{grant_id}   an interpreter's meeting-scoped session (hash of its secret)
    T#{t}#CASE#{case_id}       VIDEO#LIVE         the case's live meeting: at most one, held by a conditional put
    T#{t}#TOLKLINK#{hash}      INVITE             a one-time interpreter link (hash of the token), taken once

So a signal is relayed after one GetItem (the sender's connection) and one Query (the meeting and its joins).
Every write is conditional: creates use attribute_not_exists, updates the version, deletes check what they remove.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import ConnectionItem, Entity, condition_failed
from chalicelib.domain.errors import Conflict
from chalicelib.domain.video import Endpoint, InterpreterGrant, Meeting, MeetingState

MEETING_SK = "MEETING"
LIVE_SK = "VIDEO#LIVE"
JOIN_PREFIX = "JOIN#"
GRANT_PREFIX = "GRANT#"
INVITE_SK = "INVITE"
KEEP_ENDED = timedelta(days=30)  # the timeline keeps the record; the meeting item itself can go after a while
JOIN_TTL = timedelta(hours=4)


def meeting_pk(tenant: str, meeting_id: str) -> str:
    return f"T#{tenant}#VIDEO#{meeting_id}"


def invite_pk(tenant: str, token_hash: str) -> str:
    return f"T#{tenant}#TOLKLINK#{token_hash}"


class VideoMeetingItem(Entity, discriminator="video_meeting"):
    tenant = UnicodeAttribute()
    meeting_id = UnicodeAttribute()
    case_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    patient_ref = UnicodeAttribute()
    submitted_by = UnicodeAttribute(null=True)
    started_by = UnicodeAttribute()
    started_by_name = UnicodeAttribute()
    started_at = UTCDateTimeAttribute()
    state = UnicodeAttribute()
    ended_at = UTCDateTimeAttribute(null=True)
    ended_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()


class VideoLiveItem(Entity, discriminator="video_live"):
    """The case's one live meeting (deleted when it ends)."""

    tenant = UnicodeAttribute()
    meeting_id = UnicodeAttribute()


class VideoJoinItem(Entity, discriminator="video_join"):
    connection_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    kind = UnicodeAttribute()


class VideoGrantItem(Entity, discriminator="video_grant"):
    meeting_id = UnicodeAttribute()
    grant_id = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()


class VideoInviteItem(Entity, discriminator="video_invite"):
    meeting_id = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)  # set once, when the interpreter opens the link


VIDEO_MODELS: tuple[type[Model], ...] = (
    VideoMeetingItem,
    VideoLiveItem,
    VideoJoinItem,
    VideoGrantItem,
    VideoInviteItem,
)


def configure() -> None:
    """Forget cached connections after ``dynamo.configure`` pointed the table elsewhere (called by bootstrap)."""
    for model in VIDEO_MODELS:
        model._connection = None


def _meeting(item: VideoMeetingItem) -> Meeting:
    return Meeting(
        tenant=item.tenant,
        meeting_id=item.meeting_id,
        case_id=item.case_id,
        unit_id=item.unit_id,
        patient_ref=item.patient_ref,
        submitted_by=item.submitted_by,
        started_by=item.started_by,
        started_by_name=item.started_by_name,
        started_at=item.started_at,
        state=MeetingState(item.state),
        ended_at=item.ended_at,
        ended_by=item.ended_by,
        version=int(item.version or 0),
    )


def _item(meeting: Meeting, now: datetime) -> VideoMeetingItem:
    item = VideoMeetingItem(
        pk=meeting_pk(meeting.tenant, meeting.meeting_id),
        sk=MEETING_SK,
        tenant=meeting.tenant,
        meeting_id=meeting.meeting_id,
        case_id=meeting.case_id,
        unit_id=meeting.unit_id,
        patient_ref=meeting.patient_ref,
        submitted_by=meeting.submitted_by,
        started_by=meeting.started_by,
        started_by_name=meeting.started_by_name,
        started_at=meeting.started_at,
        state=meeting.state.value,
        ended_at=meeting.ended_at,
        ended_by=meeting.ended_by,
        updated_at=now,
        ttl=None if meeting.ended_at is None else meeting.ended_at + KEEP_ENDED,
    )
    if meeting.version:
        item.version = meeting.version
    return item


@dataclass(frozen=True)
class MeetingRoom:
    """A meeting with the connections that have joined it and its interpreter grants (one Query)."""

    meeting: Meeting
    joined: dict[str, Endpoint]
    grants: dict[str, InterpreterGrant]


class DynamoVideo:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def start(self, meeting: Meeting, *, now: datetime) -> Meeting | None:
        """Store a new meeting as the case's live one; None when the case already has a live meeting."""
        item = _item(meeting, now)
        live = VideoLiveItem(
            pk=keys.case_pk(meeting.tenant, meeting.case_id),
            sk=LIVE_SK,
            tenant=meeting.tenant,
            meeting_id=meeting.meeting_id,
        )
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item, condition=VideoMeetingItem.pk.does_not_exist())
                tx.save(live, condition=VideoLiveItem.pk.does_not_exist())
        except TransactWriteError as error:
            reasons = getattr(error, "cancellation_reasons", None) or []
            if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
                return None
            raise
        return _meeting(item)

    def end(self, meeting: Meeting, *, now: datetime) -> Meeting:
        """Store the ended meeting (conditional on the version read) and free the case for a new one."""
        item = _item(meeting, now)
        live = VideoLiveItem(pk=keys.case_pk(meeting.tenant, meeting.case_id), sk=LIVE_SK)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item, condition=VideoMeetingItem.pk.exists())  # pynamodb adds the version condition
                tx.delete(live, condition=VideoLiveItem.meeting_id == meeting.meeting_id, add_version_condition=False)
        except TransactWriteError as error:
            raise Conflict(
                "The meeting changed at the same time; please try again.", message_sv="Mötet ändrades just nu."
            ) from error
        return _meeting(item)

    def get(self, tenant: str, meeting_id: str) -> Meeting | None:
        try:
            item = VideoMeetingItem.get(meeting_pk(tenant, meeting_id), MEETING_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return _meeting(item)

    def live_of_case(self, tenant: str, case_id: str) -> Meeting | None:
        try:
            live = VideoLiveItem.get(keys.case_pk(tenant, case_id), LIVE_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return self.get(tenant, live.meeting_id)

    def room(self, tenant: str, meeting_id: str) -> MeetingRoom | None:
        meeting: Meeting | None = None
        joined: dict[str, Endpoint] = {}
        grants: dict[str, InterpreterGrant] = {}
        for item in Entity.query(meeting_pk(tenant, meeting_id), consistent_read=True):
            if isinstance(item, VideoMeetingItem):
                meeting = _meeting(item)
            elif isinstance(item, VideoJoinItem):
                joined[item.connection_id] = Endpoint(item.connection_id, item.subject, item.kind)
            elif isinstance(item, VideoGrantItem):
                grants[item.grant_id] = InterpreterGrant(item.meeting_id, item.grant_id, item.expires_at)
        if meeting is None:
            return None
        return MeetingRoom(meeting, joined, grants)

    def join(self, tenant: str, meeting_id: str, endpoint: Endpoint, *, now: datetime) -> None:
        """Record a connection as joined (a repeated hello from the same connection is fine)."""
        item = VideoJoinItem(
            pk=meeting_pk(tenant, meeting_id),
            sk=f"{JOIN_PREFIX}{endpoint.connection_id}",
            connection_id=endpoint.connection_id,
            subject=endpoint.subject,
            kind=endpoint.kind,
            ttl=now + JOIN_TTL,
        )
        try:
            item.save(condition=VideoJoinItem.pk.does_not_exist())
        except PutError as error:
            if not condition_failed(error):
                raise

    def leave(self, tenant: str, meeting_id: str, connection_id: str) -> None:
        item = VideoJoinItem(pk=meeting_pk(tenant, meeting_id), sk=f"{JOIN_PREFIX}{connection_id}")
        try:
            item.delete(condition=VideoJoinItem.pk.exists(), add_version_condition=False)
        except DeleteError as error:
            if not condition_failed(error):
                raise

    def endpoint(self, tenant: str, connection_id: str) -> Endpoint | None:
        """Whose a WebSocket connection is (as recorded when it was opened)."""
        try:
            item = ConnectionItem.get(
                keys.connection_pk(tenant, connection_id), keys.CONNECTION_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return Endpoint(item.connection_id, item.subject, item.kind)

    def put_invite(self, tenant: str, token_hash: str, meeting_id: str, *, expires_at: datetime) -> datetime:
        """Store a link (by its token's hash); storing the same link again changes nothing (a retried invitation)
        and answers the expiry it was first given. A used link stays marked used until the TTL removes it, so it
        can never be stored afresh."""
        try:
            VideoInviteItem(
                pk=invite_pk(tenant, token_hash),
                sk=INVITE_SK,
                meeting_id=meeting_id,
                expires_at=expires_at,
                ttl=expires_at + timedelta(days=1),
            ).save(condition=VideoInviteItem.pk.does_not_exist())
        except PutError as error:
            if not condition_failed(error):
                raise
            stored = VideoInviteItem.get(invite_pk(tenant, token_hash), INVITE_SK, consistent_read=True)
            if stored.meeting_id != meeting_id:
                raise Conflict("This invitation belongs to another meeting.") from error
            return stored.expires_at
        return expires_at

    def take_invite(self, tenant: str, token_hash: str, *, now: datetime) -> tuple[str, datetime] | None:
        """Mark the link used, in one conditional write: of two concurrent takers exactly one gets it."""
        item = VideoInviteItem(pk=invite_pk(tenant, token_hash), sk=INVITE_SK)
        try:
            item.update(
                actions=[VideoInviteItem.used_at.set(now)],
                condition=VideoInviteItem.pk.exists() & VideoInviteItem.used_at.does_not_exist(),
                add_version_condition=False,
            )
        except UpdateError as error:
            if condition_failed(error):
                return None
            raise
        return item.meeting_id, item.expires_at

    def put_grant(self, tenant: str, grant: InterpreterGrant) -> None:
        VideoGrantItem(
            pk=meeting_pk(tenant, grant.meeting_id),
            sk=f"{GRANT_PREFIX}{grant.grant_id}",
            meeting_id=grant.meeting_id,
            grant_id=grant.grant_id,
            expires_at=grant.expires_at,
            ttl=grant.expires_at + timedelta(days=1),
        ).save(condition=VideoGrantItem.pk.does_not_exist())

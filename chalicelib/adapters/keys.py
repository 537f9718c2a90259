"""Every DynamoDB key of Nära is built here and only here. Each starts with the tenant."""

from __future__ import annotations


def case_pk(tenant: str, case_id: str) -> str:
    return f"T#{tenant}#CASE#{case_id}"


CASE_SK = "CASE"


def message_sk(seq: int) -> str:
    return f"MSG#{seq:010d}"


MESSAGE_PREFIX = "MSG#"


def message_client_sk(sender_id: str, client_id: str) -> str:
    return f"MSGID#{sender_id}#{client_id}"


READ_PREFIX = "READ#"


def read_sk(side: str) -> str:
    """A side's read mark (citizen, staff) beside the case's messages."""
    return f"{READ_PREFIX}{side}"


def timeline_sk(occurred_at: str, event_id: str) -> str:
    return f"EVT#{occurred_at}#{event_id}"


TIMELINE_PREFIX = "EVT#"


def queue_pk(tenant: str, unit_id: str) -> str:
    """A unit's queue: all its queued cases in one partition of the queue index, so a staff member's view (the
    professions they hold there) is one Query."""
    return f"T#{tenant}#Q#{unit_id}"


def holder_pk(tenant: str, hsa_id: str) -> str:
    """The cases one staff member holds (claimed), in the queue index beside the unit queues."""
    return f"T#{tenant}#H#{hsa_id}"


def queue_sk(priority: str, submitted_iso: str, case_id: str) -> str:
    # "P1" < "P2" < ... so the index sorts the most urgent first, then the longest waiting.
    return f"{priority}#{submitted_iso}#{case_id}"


def subject_pk(tenant: str, subject: str) -> str:
    return f"T#{tenant}#SUBJ#{subject}"


def subject_case_sk(submitted_iso: str, case_id: str) -> str:
    return f"CASE#{submitted_iso}#{case_id}"


def subject_connection_sk(connection_id: str) -> str:
    return f"CONN#{connection_id}"


def connection_pk(tenant: str, connection_id: str) -> str:
    return f"T#{tenant}#CONN#{connection_id}"


CONNECTION_SK = "CONN"


def idempotency_pk(tenant: str, subject: str) -> str:
    return f"T#{tenant}#IDEM#{subject}"


REGION_SK = "REGION"


def queue_stats_pk(tenant: str) -> str:
    return f"T#{tenant}#QUEUESTATS"


def queue_stats_sk(unit_id: str, profession: str) -> str:
    return f"{unit_id}#{profession}"


def region_pk(tenant: str) -> str:
    return f"T#{tenant}#REGION"


def unit_pk(tenant: str) -> str:
    return f"T#{tenant}#UNITS"


def staff_pk(tenant: str, hsa_id: str) -> str:
    return f"T#{tenant}#STAFF#{hsa_id}"


STAFF_SK = "STAFF"


def unit_staff_pk(tenant: str, unit_id: str) -> str:
    # Who works at a unit (one entry per staff member, written with the staff member): found with one Query.
    return f"T#{tenant}#UNITSTAFF#{unit_id}"


def unit_staff_sk(hsa_id: str) -> str:
    return f"STAFF#{hsa_id}"


def audit_pk(tenant: str, patient_ref: str) -> str:
    return f"T#{tenant}#PAT#{patient_ref}"


def audit_sk(at_iso: str, record_id: str) -> str:
    return f"{at_iso}#{record_id}"


def list_seen_pk(tenant: str, actor: str, day: str) -> str:
    """The cases a staff member was shown in lists (queue, Pågående) on one Swedish calendar day: one Query."""
    return f"T#{tenant}#LISTSEEN#{actor}#{day}"


def list_seen_sk(action: str, case_id: str) -> str:
    return f"{action}#{case_id}"


def audit_unit_pk(tenant: str, unit_id: str) -> str:
    """A unit's access records, by time (the audit table's unit index): the sample for the periodic review."""
    return f"T#{tenant}#AUDITUNIT#{unit_id}"


def audit_unit_staff_pk(tenant: str, unit_id: str, hsa_id: str) -> str:
    """One staff member's access records at a unit, by time (the audit table's staff index)."""
    return f"T#{tenant}#AUDITUNIT#{unit_id}#STAFF#{hsa_id}"


def session_pk(tenant: str, session_id: str) -> str:
    return f"T#{tenant}#SESSION#{session_id}"


def sessions_of_pk(tenant: str, subject: str) -> str:
    """A person's sessions, on the queue index: ended at once when their roles change."""
    return f"T#{tenant}#SESSIONSOF#{subject}"


def overflow_capacity_pk(tenant: str, unit_id: str) -> str:
    """How many overflow cases a partner unit has been offered per day (its capacity is the region's setting)."""
    return f"T#{tenant}#OVERFLOW#{unit_id}"


def unit_changes_pk(tenant: str, unit_id: str) -> str:
    """The change history of a unit's settings and staff roles (who and when), newest last."""
    return f"T#{tenant}#UNITCHANGES#{unit_id}"


SESSION_SK = "SESSION"


def ephemeral_pk(tenant: str, kind: str, key: str) -> str:
    return f"T#{tenant}#{kind}#{key}"


EPHEMERAL_SK = "EPH"


def draft_pk(tenant: str, owner: str) -> str:
    # A citizen's triage drafts live under the citizen (the owner, also for a child's draft): one cannot read another's.
    return f"T#{tenant}#DRAFTS#{owner}"


def draft_sk(draft_id: str) -> str:
    return f"DRAFT#{draft_id}"


def photos_pk(tenant: str, draft_id: str) -> str:
    # A triage draft's photos: the upload slots (one item) and each photo. The draft id is reached only after the
    # owner-scoped draft (or the case it became) was loaded for the caller.
    return f"T#{tenant}#PHOTOS#{draft_id}"


PHOTO_SLOTS_SK = "SLOTS"


def photo_sk(photo_id: str) -> str:
    return f"PHOTO#{photo_id}"


PHOTO_PREFIX = "PHOTO#"


def photo_upload_object(tenant: str, draft_id: str, photo_id: str) -> str:
    """S3 key the browser uploads to (never shown to anyone; deleted once processed, expired by lifecycle)."""
    return f"{tenant}/uploads/{draft_id}/{photo_id}"


def photo_image_object(tenant: str, draft_id: str, photo_id: str) -> str:
    return f"{tenant}/photos/{draft_id}/{photo_id}.jpg"


def photo_thumbnail_object(tenant: str, draft_id: str, photo_id: str) -> str:
    return f"{tenant}/photos/{draft_id}/{photo_id}-thumb.jpg"


NOTICE_SK = "NOTICE"


def notice_pk(tenant: str, case_id: str) -> str:
    # Next to the case, but its own item: the case's version is not touched by a notice.
    return f"T#{tenant}#NOTICE#{case_id}"


def notice_event_pk(tenant: str, event_id: str) -> str:
    """One per domain event that was notified about: a redelivered event finds it and sends nothing."""
    return f"T#{tenant}#NOTICE_EVENT#{event_id}"


def notice_channel_sk(channel: str) -> str:
    """Each channel (sms, email) of an event's notice is claimed on its own: a retry after one channel failed
    sends only that one."""
    return f"{NOTICE_SK}#{channel}"


def deferred_notices_pk(tenant: str) -> str:
    """SMS held by quiet hours, all under one key: the scheduled sender reads them with one Query."""
    return f"T#{tenant}#NOTICE_DEFERRED"


def deferred_notice_sk(case_id: str, kind: str) -> str:
    return f"{case_id}#{kind}"


def phone_invite_pk(tenant: str, token_hash: str) -> str:
    return f"T#{tenant}#PHONE_INVITE#{token_hash}"


PHONE_INVITE_SK = "INVITE"


def rate_window_pk(tenant: str, kind: str, key: str) -> str:
    """One rate-limit counter: a kind (login step, chat message) and what is counted (a client address, a sender)."""
    return f"T#{tenant}#RATE#{kind}#{key}"


def rate_window_sk(window: str) -> str:
    """A fixed window of the counter, named by its start (seconds since the epoch): each window starts at zero."""
    return f"W#{window}"

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


def timeline_sk(occurred_at: str, event_id: str) -> str:
    return f"EVT#{occurred_at}#{event_id}"


TIMELINE_PREFIX = "EVT#"


def queue_pk(tenant: str, unit_id: str, profession: str) -> str:
    return f"T#{tenant}#Q#{unit_id}#{profession}"


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


def unit_pk(tenant: str) -> str:
    return f"T#{tenant}#UNITS"


def staff_pk(tenant: str, hsa_id: str) -> str:
    return f"T#{tenant}#STAFF#{hsa_id}"


STAFF_SK = "STAFF"


def audit_pk(tenant: str, patient_ref: str) -> str:
    return f"T#{tenant}#PAT#{patient_ref}"


def audit_sk(at_iso: str, record_id: str) -> str:
    return f"{at_iso}#{record_id}"


def session_pk(tenant: str, session_id: str) -> str:
    return f"T#{tenant}#SESSION#{session_id}"


SESSION_SK = "SESSION"


def ephemeral_pk(tenant: str, kind: str, key: str) -> str:
    return f"T#{tenant}#{kind}#{key}"


EPHEMERAL_SK = "EPH"


def draft_pk(tenant: str, owner: str) -> str:
    # A citizen's triage drafts live under the citizen (the owner, also for a child's draft): one cannot read another's.
    return f"T#{tenant}#DRAFTS#{owner}"


def draft_sk(draft_id: str) -> str:
    return f"DRAFT#{draft_id}"

"""Domain events: what happened to a case, as plain data that consumers act on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

EVENT_TYPES = (
    "CaseSubmitted",  # also "the case was triaged": a case is stored only once its triage is finished
    "CaseQueued",
    "CaseClaimed",
    "MessagePosted",
    "TriageOverridden",
    "CaseReferred",
    "OverflowOffered",  # offered to a partner unit near its deadline (chalicelib/services/overflow.py)
    "ReferralAccepted",
    "ReferralRejected",
    "CaseClosed",
    "VideoStarted",
    "VideoEnded",
    "AppointmentBooked",
    "AppointmentRescheduled",
    "AppointmentCancelled",
    "AppointmentNoShow",
    "AppointmentReminderDue",
    "CaseEscalated",  # written by the escalation schedule straight to the timeline (chalicelib/services/alerts.py)
)


@dataclass(frozen=True)
class DomainEvent:
    event_id: str  # stable for one change, so consumers can be idempotent
    type: str
    tenant: str
    case_id: str
    occurred_at: str  # ISO 8601, UTC
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> DomainEvent:
        if raw.get("type") not in EVENT_TYPES:
            raise ValueError(f"unknown event type {raw.get('type')!r}")
        return DomainEvent(
            event_id=str(raw["event_id"]),
            type=str(raw["type"]),
            tenant=str(raw["tenant"]),
            case_id=str(raw["case_id"]),
            occurred_at=str(raw["occurred_at"]),
            data=dict(raw.get("data") or {}),
        )


def _decisions(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Overrides and referrals added or answered between two images of a case."""
    found: list[tuple[str, dict[str, Any]]] = []
    old_overrides, new_overrides = old.get("overrides") or [], new.get("overrides") or []
    for entry in new_overrides[len(old_overrides) :]:
        found.append(("TriageOverridden", {k: v for k, v in entry.items() if k != "by_name"}))
    old_refs, new_refs = old.get("referrals") or [], new.get("referrals") or []
    for entry in new_refs[len(old_refs) :]:
        keys = ("referral_id", "from_unit_id", "to_unit_id", "to_profession", "by")
        kind = "OverflowOffered" if entry.get("kind") == "overflow" else "CaseReferred"
        data = {k: entry.get(k) for k in keys}
        if entry.get("kind") == "region":  # to another region: the consumer `interregion` sends it
            data.update(kind="region", to_region=entry.get("to_region"))
        found.append((kind, data))
    for before, after in zip(old_refs, new_refs, strict=False):
        if before.get("state") in ("pending", "sending", "delivered") and after.get("state") in (
            "accepted",
            "rejected",
        ):
            kind = "ReferralAccepted" if after["state"] == "accepted" else "ReferralRejected"
            data = {"referral_id": after.get("referral_id"), "answered_by": after.get("answered_by")}
            if after.get("kind") == "region":  # an answer to send back (in) or received (out)
                data.update(kind="region", direction=after.get("direction"))
            elif after.get("reject_reason") and after.get("kind") != "overflow":
                data["back_to"] = after.get("by")
            found.append((kind, data))
    return found


def events_from_change(
    *, event_id: str, entity: str, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> list[DomainEvent]:
    """Translate one stored-item change (a stream record, already decoded) into domain events.

    ``old``/``new`` are the item images as plain dicts; only cases and messages produce events.
    """
    if new is None:
        return []
    tenant = str(new.get("tenant", ""))
    case_id = str(new.get("case_id", ""))
    at = str(new.get("updated_at") or new.get("submitted_at") or new.get("sent_at") or "")
    if entity == "case":
        if old is None:
            return [
                DomainEvent(
                    event_id,
                    "CaseSubmitted",
                    tenant,
                    case_id,
                    at,
                    {
                        "unit_id": new.get("unit_id"),
                        "priority": new.get("priority"),
                        "profession": new.get("profession"),
                    },
                ),
            ]
        decisions = _decisions(old, new)
        if decisions:
            # an override or a referral: the decision is the event (its status change is part of it), and a
            # referral accepted by taking the case is also a claim
            kinds = [d[0] for d in decisions]
            if "ReferralAccepted" in kinds and new.get("status") == "claimed":
                decisions.append(("CaseClaimed", {"claimed_by": new.get("claimed_by")}))
            elif old.get("status") != "closed" and new.get("status") == "closed":  # another region's answer
                decisions.append(
                    ("CaseClosed", {"outcome": new.get("close_outcome"), "closed_by": new.get("closed_by")})
                )
            return [
                DomainEvent(event_id if i == 0 else f"{event_id}.{i}", kind, tenant, case_id, at, data)
                for i, (kind, data) in enumerate(decisions)
            ]
        if old.get("status") == "self_care" and new.get("status") == "queued":
            # "Jag vill ändå ha kontakt": the self-care case joins the queue
            data = {"priority": new.get("priority"), "profession": new.get("profession"), "reason": "contact_anyway"}
            return [DomainEvent(event_id, "CaseQueued", tenant, case_id, at, data)]
        if old.get("status") == "claimed" and new.get("status") == "queued":
            # the claimer put it back in the queue (it keeps its priority and place)
            data = {"priority": new.get("priority"), "profession": new.get("profession"), "reason": "released"}
            return [DomainEvent(event_id, "CaseQueued", tenant, case_id, at, data)]
        if old.get("status") != new.get("status") and new.get("status") == "claimed":
            return [DomainEvent(event_id, "CaseClaimed", tenant, case_id, at, {"claimed_by": new.get("claimed_by")})]
        if old.get("status") == "claimed" == new.get("status") and old.get("claimed_by") != new.get("claimed_by"):
            # handed to a colleague
            data = {"claimed_by": new.get("claimed_by"), "handed_by": new.get("handed_by")}
            return [DomainEvent(event_id, "CaseClaimed", tenant, case_id, at, data)]
        if old.get("status") != new.get("status") and new.get("status") == "closed":
            data = {"outcome": new.get("close_outcome"), "closed_by": new.get("closed_by")}
            return [DomainEvent(event_id, "CaseClosed", tenant, case_id, at, data)]
        return []
    if entity == "booking":
        return _booking_events(event_id, tenant, case_id, old, new)
    if entity == "video_meeting":
        return _video_events(event_id, tenant, case_id, old, new)
    if entity == "message" and old is None:
        return [
            DomainEvent(
                event_id,
                "MessagePosted",
                tenant,
                case_id,
                at,
                {"seq": new.get("seq"), "sender_kind": new.get("sender_kind")},
            ),
        ]
    return []


def _video_events(
    event_id: str, tenant: str, case_id: str, old: dict[str, Any] | None, new: dict[str, Any]
) -> list[DomainEvent]:
    """A case's video meeting started (stored) or ended (its state changed to ended)."""
    data = {"meeting_id": new.get("meeting_id"), "started_by": new.get("started_by")}
    if old is None:
        return [DomainEvent(event_id, "VideoStarted", tenant, case_id, str(new.get("started_at") or ""), data)]
    if old.get("state") == "started" and new.get("state") == "ended":
        data["ended_by"] = new.get("ended_by")
        return [DomainEvent(event_id, "VideoEnded", tenant, case_id, str(new.get("ended_at") or ""), data)]
    return []


def _booking_events(
    event_id: str, tenant: str, case_id: str, old: dict[str, Any] | None, new: dict[str, Any]
) -> list[DomainEvent]:
    """A case's booking (one item per case, see chalicelib/adapters/booking.py) was made, moved, ended, or its
    reminder became due. The data names the time and the form, never health data."""
    at = str(new.get("updated_at") or "")
    data = {"booking_id": new.get("booking_id"), "starts_at": new.get("starts_at"), "form": new.get("form")}
    state, before = new.get("state"), (old or {}).get("state")
    if state == "booked" and (old is None or before != "booked" or old.get("booking_id") != new.get("booking_id")):
        return [DomainEvent(event_id, "AppointmentBooked", tenant, case_id, at, data)]
    if old is None or before != "booked":
        return []
    if state == "booked" and old.get("slot_id") != new.get("slot_id"):
        moved = {**data, "from": old.get("starts_at")}
        return [DomainEvent(event_id, "AppointmentRescheduled", tenant, case_id, at, moved)]
    if state == "cancelled":
        by_staff = bool(new.get("reason"))
        return [DomainEvent(event_id, "AppointmentCancelled", tenant, case_id, at, {**data, "by_staff": by_staff})]
    if state == "no_show":
        return [DomainEvent(event_id, "AppointmentNoShow", tenant, case_id, at, data)]
    if new.get("reminder_sent_at") and not old.get("reminder_sent_at"):
        return [DomainEvent(event_id, "AppointmentReminderDue", tenant, case_id, at, data)]
    return []

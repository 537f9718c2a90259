"""Where an outcome goes when the care unit is closed. Pure: opening hours are the caller's input (per tenant)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.triage.outcome import Disposition, Priority, TriageOutcome
from chalicelib.triage.text import LocalizedText

AfterHoursTarget = Literal["call_1177", "jourcentral"]

_ROUTED = frozenset({Disposition.CHAT, Disposition.VIDEO, Disposition.PHYSICAL})

_NOTES: dict[str, LocalizedText] = {
    "call_1177": LocalizedText(
        sv="Enheten är stängd: hänvisad till 1177 Vårdguiden på telefon.",
        en="The unit is closed: referred to 1177 phone advice.",
    ),
    "jourcentral": LocalizedText(
        sv="Enheten är stängd: hänvisad till fysiskt besök på jourcentral.",
        en="The unit is closed: referred to a visit at the out-of-hours centre (jourcentral).",
    ),
    "emergency_112": LocalizedText(
        sv="Enheten är stängd och det brådskar: ring 112.",
        en="The unit is closed and it is urgent: call 112.",
    ),
}


def route_for_hours(
    outcome: TriageOutcome,
    unit_open: bool,
    after_hours_target: AfterHoursTarget,
    *,
    next_opening: datetime | None = None,
) -> TriageOutcome:
    """Reroute chat/video/physical when the unit is closed; everything else is returned unchanged.

    - open unit, or a disposition that does not depend on the unit (112, emergency department, 1177, self-care):
      unchanged;
    - P5 (self-care, contact chosen) and any outcome whose deadline is not before ``next_opening``: unchanged —
      it can wait until the unit opens;
    - P1 (minutes): ``emergency_112`` — nobody at a closed unit can answer in time;
    - otherwise ``call_1177``, or for ``"jourcentral"`` a ``physical`` visit at the out-of-hours centre
      (the explanation says so; the caller knows which centre from its own configuration).
    """
    if unit_open or outcome.disposition not in _ROUTED or outcome.priority is Priority.P5:
        return outcome
    if next_opening is not None and outcome.deadline is not None and outcome.deadline >= next_opening:
        return outcome
    if outcome.priority is Priority.P1:
        disposition, note = Disposition.EMERGENCY_112, _NOTES["emergency_112"]
    elif after_hours_target == "call_1177":
        disposition, note = Disposition.CALL_1177, _NOTES["call_1177"]
    else:
        disposition, note = Disposition.PHYSICAL, _NOTES["jourcentral"]
    return outcome.model_copy(
        update={"disposition": disposition, "explanation": outcome.explanation.joined(note), "advice_id": None}
    )

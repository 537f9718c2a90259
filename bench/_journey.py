"""One round of the actions the overhead benchmark times: a citizen's triage sent to the queue, and a nurse who
views the queue, opens the case, claims it, chats with the citizen and closes it. The same round runs through the
local stack over HTTP and in-process (where its AWS calls are counted), through ``Do``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.stack import COLD_ANSWERS

# (action, method, path, who, body, headers) -> the JSON answer; raises on an error status
Do = Callable[[str, str, str, str, Any, dict[str, str] | None], Any]

ACTIONS = (
    "start intake",
    "answer a triage step",
    "send the triage (submit)",
    "view queue",
    "open case",
    "claim",
    "post message",
    "read chat",
    "close",
)


def round_(do: Do, unit_id: str, label: str, messages: int = 4) -> None:
    """``who`` is "citizen" or "nurse"; each ``do`` is one action."""
    intake = {"unit_id": unit_id, "reason": "Förkyld", "free_text": f"Ont i halsen {label}"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    draft = do("start intake", "POST", "/citizen/triage", "citizen", intake, key)
    while draft["step"] is not None:
        step = draft["step"]["id"]
        answer = {"step_id": step, "value": {"age": 34, **COLD_ANSWERS}.get(step, "no")}
        draft = do(
            "answer a triage step", "POST", f"/citizen/triage/{draft['draft_id']}/answers", "citizen", answer, None
        )
    submit = f"/citizen/triage/{draft['draft_id']}/submit"
    case_id = do("send the triage (submit)", "POST", submit, "citizen", {"choose_contact": True}, None)["case_id"]
    do("view queue", "GET", f"/staff/queue?unit_id={unit_id}&profession=nurse", "nurse", None, None)
    do("open case", "GET", f"/staff/cases/{case_id}", "nurse", None, None)
    do("claim", "POST", f"/staff/cases/{case_id}/claim", "nurse", None, None)
    for i in range(messages):
        who = "nurse" if i % 2 == 0 else "citizen"
        message = {"text": f"Meddelande {i}", "client_id": uuid.uuid4().hex}
        do("post message", "POST", f"/cases/{case_id}/messages", who, message, None)
        do("read chat", "GET", f"/cases/{case_id}/messages", "citizen" if who == "nurse" else "nurse", None, None)
    close = {"outcome": "advice_given", "summary": "Råd om egenvård."}
    do("close", "POST", f"/staff/cases/{case_id}/close", "nurse", close, None)

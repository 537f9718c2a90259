"""AWS calls per user action: every botocore call Nära makes, counted while each action runs in this process
against moto (as the API tests run it), beside the designed minimum for the action and why.

A request's own calls (the API Lambda) are counted apart from those of the events it causes (the stream and queue
consumers, run synchronously after the request); the event pump's polls stand for Lambda's event source mappings
and are not Nära's calls. Any Scan fails the benchmark (exit status 1): every read must be a key lookup or a Query.
"""

from __future__ import annotations

import contextlib
import functools
import io
import statistics
import sys
import time
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass, field

from bench._aws import Call, recording
from bench._inproc import UNIT_A, InProcess, in_process

# The designed minimum per action (the request's own calls), and why. Every authenticated request reads its
# session (GetItem: a session can be revoked at once, so a signed token alone is not enough); every access by staff
# to patient data writes its audit record first (PutItem in the audit table, failing closed); every change a person
# must see at once is pushed to their open WebSockets (a Query of their connections per person told).
MINIMUM: dict[str, tuple[int, str]] = {
    "start intake": (
        3,
        "session; the unit (GetItem: it must exist and take cases); draft + idempotency marker in "
        "one TransactWriteItems",
    ),
    "answer a triage step": (3, "session; the draft (GetItem); the answered draft (one conditional write)"),
    "send the triage (submit)": (
        4,
        "session; draft; unit; case + idempotency marker + the draft closed in one TransactWriteItems",
    ),
    "view queue": (
        3,
        "session; the unit's queue (one Query of its index); the patients already logged as listed "
        "today (one Query; a write only for newly listed ones)",
    ),
    "open case": (5, "session; case; audit; the case's timeline (Query); the patient's other cases (Query)"),
    "claim": (
        6,
        "session; case; audit; the case claimed (one conditional write); pushes: the unit's staff (Query) "
        "and the patient's connections (Query)",
    ),
    "post message": (
        7,
        "session; case (scope); rate window (UpdateItem); audit; counter + message + client-id "
        "marker in one TransactWriteItems; pushes to both sides (2 Queries)",
    ),
    "read chat": (4, "session; case (scope); the messages (Query); both sides' read marks (Query)"),
    "book": (
        5,
        "session; case; the region's self-booking rules; the slot; slot taken + booking + idempotency "
        "marker in one TransactWriteItems",
    ),
    "close": (6, "session; case; audit; the case closed (one conditional write); pushes as for claim (2 Queries)"),
}


@dataclass
class Action:
    name: str
    api: list[Call] = field(default_factory=list)
    events: list[Call] = field(default_factory=list)
    seconds: float = 0.0  # the request, in this process
    invocations: list[tuple[str, float]] = field(default_factory=list)  # the event handlers it caused


@dataclass
class Scenario:
    """Every action of a self-care case and of a chat case with ``messages`` messages, in order."""

    actions: list[Action] = field(default_factory=list)

    def of(self, name: str) -> list[Action]:
        return [a for a in self.actions if a.name == name]


def _run(ip: InProcess, scenario: Scenario, name: str, method: str, path: str, who: object, **kw: object) -> object:
    ip.recorder.take()
    t0 = time.perf_counter()
    status, body = ip.call(method, path, who, **kw)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    if status >= 400:
        raise RuntimeError(f"{name}: {method} {path} answered {status}: {body}")
    api = ip.recorder.take()
    ip.take_invocations()
    ip.settle()
    scenario.actions.append(Action(name, api, ip.recorder.take(), elapsed, ip.take_invocations()))
    return body


def _triage(ip: InProcess, scenario: Scenario, who: object, *, contact: bool, label: str = "") -> dict[str, object]:
    from tests.api.conftest import COLD

    intake = {"unit_id": UNIT_A, "reason": "Halsont", "free_text": f"Ont i halsen sedan tre dagar {label}"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    draft = _run(ip, scenario, "start intake", "POST", "/citizen/triage", who, body=intake, headers=key)
    while draft["step"] is not None:  # type: ignore[index]
        step = draft["step"]["id"]  # type: ignore[index]
        answer = {"step_id": step, "value": COLD.get(step, "no")}
        path = f"/citizen/triage/{draft['draft_id']}/answers"  # type: ignore[index]
        draft = _run(ip, scenario, "answer a triage step", "POST", path, who, body=answer)
    path = f"/citizen/triage/{draft['draft_id']}/submit"  # type: ignore[index]
    case = _run(ip, scenario, "send the triage (submit)", "POST", path, who, body={"choose_contact": contact})
    return case  # type: ignore[return-value]


def run(messages: int = 20) -> tuple[Scenario, Scenario, Scenario]:
    """A self-care case, a chat case with ``messages`` messages (half each side), and a booking."""
    from tests.api.conftest import citizen, staff
    from tests.api.test_booking_api import PATIENT, setup_schedule, visit_case

    anna = citizen("191212121212", "Anna")
    nurse = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
    with recording() as recorder, in_process(recorder) as ip:
        ip.container.directory.put_staff(
            ip.container.settings.tenant, nurse.subject, nurse.display_name, [{"unit_id": UNIT_A, "role": "nurse"}]
        )
        for who in (anna, nurse, PATIENT):
            ip.token(who)
        warm = Scenario()  # the first request of a process builds clients and caches: not a user action's cost
        _triage(ip, warm, anna, contact=False, label="warm")

        self_care = Scenario()
        _triage(ip, self_care, anna, contact=False)

        chat = Scenario()
        case = _triage(ip, chat, anna, contact=True)
        case_id = case["case_id"]
        _run(ip, chat, "view queue", "GET", f"/staff/queue?unit_id={UNIT_A}&profession=nurse", nurse)
        _run(ip, chat, "open case", "GET", f"/staff/cases/{case_id}", nurse)
        _run(ip, chat, "claim", "POST", f"/staff/cases/{case_id}/claim", nurse)
        for i in range(messages):
            sender = nurse if i % 2 == 0 else anna
            body = {"text": f"Meddelande {i}: hur mår du idag?", "client_id": uuid.uuid4().hex}
            _run(ip, chat, "post message", "POST", f"/cases/{case_id}/messages", sender, body=body)
            if i % 2 == 0:
                _run(ip, chat, "read chat", "GET", f"/cases/{case_id}/messages", anna)
        close = {"outcome": "advice_given", "summary": "Halsont sedan tre dagar. Råd om egenvård."}
        _run(ip, chat, "close", "POST", f"/staff/cases/{case_id}/close", nurse, body=close)

        booking = Scenario()
        recorder.take()
        setup_schedule(ip.container)
        visit_case(ip.container, PATIENT, "case-knee")
        _, free = ip.call("GET", "/citizen/cases/case-knee/slots", PATIENT)
        ip.settle()  # the schedule's and the case's own events: not the booking's
        recorder.take()
        ip.take_invocations()
        slot = free["slots"][0]["slot_id"]
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        _run(
            ip,
            booking,
            "book",
            "POST",
            "/citizen/cases/case-knee/booking",
            PATIENT,
            body={"slot_id": slot},
            headers=headers,
        )
    return self_care, chat, booking


@functools.cache
def scenarios() -> tuple[Scenario, Scenario, Scenario]:
    """``run()`` once per process, quietly: ``bench.cost`` prices the same run that ``main`` prints."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Powertools' metrics of the in-process requests
        return run()


def _describe(calls: list[Call]) -> str:
    counted = Counter(c.operation if c.service == "dynamodb" else c.name for c in calls)
    return ", ".join(f"{n}×{op}" if n > 1 else op for op, n in sorted(counted.items()))


def table(scenarios: tuple[Scenario, ...]) -> list[tuple[str, float, int, float, str, str]]:
    """Per action: median calls of its request, the minimum, calls of its events, what they are."""
    rows = []
    everything = [a for s in scenarios for a in s.actions]
    for name, (minimum, _why) in MINIMUM.items():
        runs = [a for a in everything if a.name == name]
        if not runs:
            continue
        typical = sorted(runs, key=lambda a: len(a.api))[len(runs) // 2]
        rows.append(
            (
                name,
                statistics.median(len(a.api) for a in runs),
                minimum,
                statistics.median(len([c for c in a.events if c.source == "events"]) for a in runs),
                _describe(typical.api),
                _describe([c for c in typical.events if c.source == "events"]),
            )
        )
    return rows


def scans(scenarios: tuple[Scenario, ...]) -> list[str]:
    return [
        f"{a.name}: {c.name}" for s in scenarios for a in s.actions for c in a.api + a.events if c.operation == "Scan"
    ]


def main() -> None:
    found = scenarios()
    print("AWS calls per user action (in-process against moto; the request's own calls, then its events')")
    print(f"  {'action':28s} {'calls':>5s} {'min':>4s} {'ratio':>5s} {'events':>6s}  request's calls | events' calls")
    for name, calls, minimum, events, what, what_events in table(found):
        print(f"  {name:28s} {calls:5.0f} {minimum:4d} {calls / minimum:5.2f} {events:6.0f}  {what} | {what_events}")
    for name, (minimum, why) in MINIMUM.items():
        print(f"    minimum of {name}: {minimum} — {why}")
    writes = [c for s in found for a in s.actions for c in a.api + a.events if c.written_bytes]
    sizes = [size for c in writes for size in c.written_bytes]
    if sizes:
        print(
            f"  DynamoDB items written: {len(sizes)}, median {statistics.median(sizes):.0f} B, "
            f"largest {max(sizes)} B, over 1 KB: {len([s for s in sizes if s > 1024])}"
        )
    scanned = scans(found)
    if scanned:
        print("  SCAN made (every read must be a GetItem or a Query):", *scanned, sep="\n    ")
        sys.exit(1)
    print("  Scans: 0")


if __name__ == "__main__":
    main()

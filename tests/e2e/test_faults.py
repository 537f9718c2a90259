"""Faults (issue 10): the local stack with a tenth of its AWS calls throttled, failed or timed out — a timeout
sometimes after the service did the write — while citizens send cases and chat with nurses, retrying as their
pages do. Nothing may be lost and nothing doubled: each citizen has exactly the one case they sent, with each
triage answer once, and each chat message is stored exactly once. Each citizen's WebSocket is dropped at random
(closed, or cut without a close frame) and reconnected; after every reconnect its resync (GET messages after the
last contiguous sequence number, as ``frontend/shared/chat.js`` does) holds every message stored before the drop,
and at the end every citizen's view is the case's whole history. The events behind the case's timeline (stream,
SNS, SQS, the consumer's idempotency record — all under the same faults) land there exactly once.

The run is seeded (``--fault-seed``) and prints its figures; docs/reliability.md records them.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import websockets

from tests.stack import COLD_ANSWERS, RunningStack, personnummer, start_stack

SHARE = 0.1
SEED = 20261126
CITIZENS = 8
NURSES = ("SE2321000057-S001", "SE2321000057-S002", "SE2321000057-S010")
HUSKVARNA = "SE2321000057-VC01"
MESSAGES_EACH = 3  # per case from the citizen, and as many from the nurse
RETRYABLE = {429, 500, 502, 503, 504}


@dataclass
class Tally:
    requests: int = 0
    retries: Counter[str] = field(default_factory=Counter)  # by status ("transport" for a lost connection)
    login_retries: int = 0
    drops: int = 0
    refused_tickets: int = 0
    resyncs: int = 0
    pushes: int = 0
    duplicate_pushes: int = 0
    problems: list[str] = field(default_factory=list)


class Client:
    """Requests as the pages make them: a failed request (5xx, 429, a lost connection) is sent again as it was, with
    the same Idempotency-Key and the same client_id, after a backoff."""

    def __init__(self, http: httpx.AsyncClient, token: str, tally: Tally) -> None:
        self.http, self.token, self.tally = http, token, tally

    async def call(self, method: str, path: str, body: Any = None, *, key: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        for attempt in range(12):
            self.tally.requests += 1
            try:
                response = await self.http.request(method, path, json=body, headers=headers)
            except httpx.TransportError:
                self.tally.retries["transport"] += 1
            else:
                if response.status_code not in RETRYABLE:
                    return response.status_code, response.json() if response.content else None
                self.tally.retries[str(response.status_code)] += 1
                if response.status_code == 429:
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            await asyncio.sleep(min(2.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))
        raise AssertionError(f"{method} {path} still failing after 12 attempts")


async def _login(stack: RunningStack, kind: str, who: str, tally: Tally) -> str:
    """A real strong login; under faults a step may fail, and the person starts the login again."""
    for _ in range(8):
        try:
            return await asyncio.to_thread(stack.login, kind, who)
        except (httpx.HTTPError, RuntimeError, KeyError, ValueError):
            tally.login_retries += 1
            await asyncio.sleep(0.3)
    raise AssertionError(f"{who} could not log in")


class View:
    """One citizen's chat as their page holds it: messages by seq, from pushes and resyncs."""

    def __init__(self, client: Client, case_id: str) -> None:
        self.client, self.case_id = client, case_id
        self.messages: dict[int, dict[str, Any]] = {}

    @property
    def contiguous(self) -> int:
        seq = 0
        while seq + 1 in self.messages:
            seq += 1
        return seq

    def upsert(self, message: dict[str, Any]) -> bool:
        known = self.messages.get(message["seq"])
        if known is not None:
            if (known["client_id"], known["text"]) != (message["client_id"], message["text"]):
                self.client.tally.problems.append(f"seq {message['seq']} of {self.case_id} changed: {known} {message}")
            return False
        self.messages[message["seq"]] = message
        return True

    async def resync(self) -> None:
        self.client.tally.resyncs += 1
        after = self.contiguous
        query = f"?after={after}" if after else ""
        status, body = await self.client.call("GET", f"/cases/{self.case_id}/messages{query}")
        assert status == 200, body
        for message in body["messages"]:
            self.upsert(message)


async def _ticket_url(stack: RunningStack, client: Client) -> str:
    status, body = await client.call("POST", "/auth/ws-ticket")
    assert status == 201, body
    return f"{stack.ws_url}?ticket={body['ticket']}"


async def _connect(stack: RunningStack, client: Client) -> Any:
    """A new connection with a new ticket, as ``frontend/shared/realtime.js`` makes it: a ticket refused (its
    single use was taken by a write whose answer was lost) is followed by a new one."""
    for _ in range(8):
        try:
            return await websockets.connect(await _ticket_url(stack, client), open_timeout=60)
        except websockets.InvalidStatus:
            client.tally.refused_tickets += 1
            await asyncio.sleep(0.5)
    raise AssertionError("no WebSocket connection after 8 tickets")


async def _listen(stack: RunningStack, view: View, acknowledged: list[int], done: asyncio.Event) -> None:
    """Connects, resyncs, takes pushes; drops the connection at random and does it again until ``done``; then one
    last time, staying until the pushes stop."""
    tally = view.client.tally
    last_round = False
    while True:
        known_before = len(acknowledged)  # messages the server had acknowledged before this connection began
        async with await _connect(stack, view.client) as ws:
            await view.resync()
            missing = [i for i in range(1, known_before + 1) if i not in view.messages]
            if missing:
                tally.problems.append(f"after a reconnect {view.case_id} lacked {missing}")
            until = time.monotonic() + (4.0 if last_round else random.uniform(0.5, 2.5))
            while time.monotonic() < until:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=max(0.05, until - time.monotonic()))
                except TimeoutError:
                    break
                except websockets.ConnectionClosed:
                    break
                push = json.loads(raw)
                if push.get("type") != "message" or push["message"]["case_id"] != view.case_id:
                    continue
                tally.pushes += 1
                if not view.upsert(push["message"]):
                    tally.duplicate_pushes += 1
                if push["message"]["seq"] > view.contiguous + 1:
                    await view.resync()  # a push overtook one we never got
                if last_round:
                    until = time.monotonic() + 4.0
            if last_round:
                return
            tally.drops += 1
            if random.random() < 0.5:
                ws.transport.abort()
        if done.is_set():
            last_round = True


async def _citizen(stack: RunningStack, http: httpx.AsyncClient, i: int, tally: Tally) -> dict[str, Any]:
    client = Client(http, await _login(stack, "citizen", personnummer(100 + i), tally), tally)
    intake = {"unit_id": HUSKVARNA, "reason": f"Förkyld {i}", "free_text": "Ont i halsen och snuva"}
    status, draft = await client.call("POST", "/citizen/triage", intake, key=uuid.uuid4().hex)
    assert status == 201, draft
    sent_answers: list[str] = []
    while draft["step"] is not None:
        step = draft["step"]["id"]
        answer = {"step_id": step, "value": COLD_ANSWERS.get(step, "no")}
        status, draft = await client.call("POST", f"/citizen/triage/{draft['draft_id']}/answers", answer)
        assert status == 200, draft
        sent_answers.append(step)
    path = f"/citizen/triage/{draft['draft_id']}/submit"
    status, case = await client.call("POST", path, {"choose_contact": True})
    assert status == 201, case
    return {"client": client, "case_id": case["case_id"], "answers": sent_answers, "i": i}


async def _chat(client: Client, case_id: str, who: str, acknowledged: list[int], sent: list[str]) -> None:
    for n in range(MESSAGES_EACH):
        await asyncio.sleep(random.uniform(0.1, 0.6))
        client_id = f"{who}-{n}-{uuid.uuid4().hex[:8]}"
        body = {"text": f"{who} skriver {n}", "client_id": client_id}
        status, stored = await client.call("POST", f"/cases/{case_id}/messages", body)
        assert status in (200, 201), stored  # 200: a retry of a message already stored gets it back
        sent.append(client_id)
        acknowledged.append(stored["seq"])


async def _run(stack: RunningStack) -> dict[str, Any]:
    tally = Tally()
    async with httpx.AsyncClient(base_url=f"{stack.origin}/api", timeout=30) as http:
        nurses = [Client(http, await _login(stack, "staff", hsa, tally), tally) for hsa in NURSES]
        citizens = await asyncio.gather(*(_citizen(stack, http, i, tally) for i in range(CITIZENS)))
        done = asyncio.Event()
        sent: dict[str, list[str]] = {c["case_id"]: [] for c in citizens}
        acknowledged: dict[str, list[int]] = {c["case_id"]: [] for c in citizens}
        views = {c["case_id"]: View(c["client"], c["case_id"]) for c in citizens}
        listeners = [
            asyncio.create_task(_listen(stack, views[case_id], acknowledged[case_id], done)) for case_id in views
        ]

        async def handle(nurse: Client, citizen: dict[str, Any]) -> None:
            case_id = citizen["case_id"]
            status, claimed = await nurse.call("POST", f"/staff/cases/{case_id}/claim")
            assert status == 200, claimed
            await asyncio.gather(
                _chat(citizen["client"], case_id, f"patient{citizen['i']}", acknowledged[case_id], sent[case_id]),
                _chat(nurse, case_id, "syster", acknowledged[case_id], sent[case_id]),
            )
            close = {"outcome": "advice_given", "summary": "Förkylning. Råd om egenvård."}
            status, closed = await nurse.call("POST", f"/staff/cases/{case_id}/close", close)
            assert status == 200, closed

        try:
            await asyncio.gather(*(handle(nurses[n % len(nurses)], c) for n, c in enumerate(citizens)))
            done.set()
            await asyncio.gather(*listeners)
        finally:
            for listener in listeners:
                listener.cancel()
        return {"tally": tally, "citizens": citizens, "nurse": nurses[0], "sent": sent, "views": views}


async def _timeline_once(nurse: Client, case_id: str, messages: int) -> list[str]:
    """The case's timeline, written by the ``timeline`` consumer from the events (table stream → SNS → SQS, every
    hop under faults): each event exactly once — sent, claimed, every message, closed — within a minute."""
    deadline = time.monotonic() + 60
    while True:
        _, case = await nurse.call("GET", f"/staff/cases/{case_id}")
        types = Counter(entry["type"] for entry in case["timeline"])
        ids = Counter(entry["event_id"] for entry in case["timeline"])
        wanted = {"CaseSubmitted": 1, "CaseClaimed": 1, "MessagePosted": messages, "CaseClosed": 1}
        if all(types[t] == n for t, n in wanted.items()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    problems = [f"{case_id}: {types[t]} × {t} on the timeline, {n} happened" for t, n in wanted.items() if types[t] - n]
    problems += [f"{case_id}: event {event_id} {n} times on the timeline" for event_id, n in ids.items() if n > 1]
    return problems


@pytest.fixture(scope="module")
def faulty_stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    stack = start_stack(
        tmp_path_factory.mktemp("faults"), timeout=90, options=("--faults", str(SHARE), "--fault-seed", str(SEED))
    )
    yield stack
    stack.stop()


def test_under_faults_nothing_is_lost_or_doubled_and_every_reconnect_resyncs(faulty_stack: RunningStack) -> None:
    started = time.monotonic()
    result = asyncio.run(_run(faulty_stack))
    elapsed = time.monotonic() - started
    tally: Tally = result["tally"]
    injected = httpx.get(f"{faulty_stack.origin}/local/faults", timeout=10).json()
    nurse: Client = result["nurse"]

    async def check() -> list[str]:
        problems: list[str] = []
        async with httpx.AsyncClient(base_url=f"{faulty_stack.origin}/api", timeout=30) as http:
            for citizen in result["citizens"]:
                client = Client(http, citizen["client"].token, tally)
                case_id = citizen["case_id"]
                _, mine = await client.call("GET", "/citizen/cases")
                ids = [c["case_id"] for c in mine["cases"]]
                if ids != [case_id]:
                    problems.append(f"citizen {citizen['i']} has cases {ids}, sent one: {case_id}")
                _, case = await Client(http, nurse.token, tally).call("GET", f"/staff/cases/{case_id}")
                answered = [a["step_id"] for a in case["triage_answers"]]  # "age" comes from the login, not sent
                if len(set(answered)) != len(answered) or [a for a in answered if a != "age"] != citizen["answers"]:
                    problems.append(f"{case_id}: answers {answered}, sent {citizen['answers']}")
                if case["status"] != "closed":
                    problems.append(f"{case_id} is {case['status']}, was closed")
                _, history = await client.call("GET", f"/cases/{case_id}/messages")
                stored = [m for m in history["messages"] if m["sender_kind"] in ("citizen", "staff")]
                counted = Counter(m["client_id"] for m in stored)
                doubled = [cid for cid, n in counted.items() if n > 1]
                lost = [cid for cid in result["sent"][case_id] if cid not in counted]
                unknown = [cid for cid in counted if cid not in result["sent"][case_id]]
                if doubled or lost or unknown:
                    problems.append(f"{case_id}: doubled {doubled}, lost {lost}, never sent {unknown}")
                seqs = [m["seq"] for m in history["messages"]]
                if seqs != list(range(1, len(seqs) + 1)):
                    problems.append(f"{case_id}: sequence {seqs}")
                problems.extend(await _timeline_once(Client(http, nurse.token, tally), case_id, len(seqs)))
                view = result["views"][case_id].messages
                if sorted(view) != seqs or any(
                    view[m["seq"]]["client_id"] != m["client_id"] for m in history["messages"]
                ):
                    problems.append(f"{case_id}: the citizen's page holds {sorted(view)}, the case {seqs}")
        return problems

    problems = tally.problems + asyncio.run(check())
    messages = sum(len(v) for v in result["sent"].values())
    print(
        f"\nfaults: {injected['injected']} of {injected['calls']} AWS calls ({injected['by_kind']}, "
        f"{injected['by_service']}); {CITIZENS} cases, {messages} messages, {tally.requests} requests, "
        f"client retries {dict(tally.retries)}, login retries {tally.login_retries}; WebSocket drops {tally.drops}, "
        f"resyncs {tally.resyncs}, tickets refused {tally.refused_tickets}, pushes {tally.pushes} "
        f"({tally.duplicate_pushes} duplicates ignored); {elapsed:.0f} s; problems {len(problems)}"
    )
    assert injected["injected"] >= 50, f"too few faults to show anything: {injected}"
    assert injected["by_kind"].get("timed out after", 0) >= 10, injected
    assert tally.drops >= CITIZENS, "every citizen's connection was dropped at least once"
    assert not problems, "\n".join(problems)

"""Load: 50 simulated citizens and 10 staff working for 60 s against the local stack (asyncio + httpx +
websockets). Prints the error count (target 0), p50/p95 per action and the throughput (actions/s).

Citizens (each with their WebSocket open): half of them begin the minute with a case already sent and waiting in
the nurses' queue (sent before the clock starts), the other half with the triage of a cold; then a chat message
every few seconds, and a new triage once their case is closed. Staff (10 sessions of the unit's 3 nurses, as nurses at
several screens): read the queue, claim the first case (a claim lost to a colleague, 409, is the designed answer,
not an error), open it, reply, read the chat, and close it after three replies. Each simulated person waits about
a second between actions (uniform 0.5–1.5 s) and takes a while to write a message (a citizen 2–4 s, a nurse 8–12 s:
the chat's limit of 30 messages a minute per sender holds for four screens of one nurse), so the figures are of
people working, not of a flood. Each person logs in from an address of their own (the login limit counts per
address). An error is a 5xx, a transport failure or timeout, or any 4xx other than a lost claim and a message to a
case just closed.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from tests.stack import COLD_ANSWERS, RunningStack, personnummer, start_stack

CITIZENS = 50
STAFF = 10
SECONDS = 60.0
HUSKVARNA = "SE2321000057-VC01"
NURSES = ("SE2321000057-S001", "SE2321000057-S002", "SE2321000057-S010")
TARGET_ERRORS = 0


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    expected: Counter[str] = field(default_factory=Counter)
    pushes: int = 0


class Person:
    def __init__(self, client: httpx.AsyncClient, token: str, tally: Tally, deadline: float) -> None:
        self.client, self.token, self.tally, self.deadline = client, token, tally, deadline

    async def think(self) -> None:
        await asyncio.sleep(random.uniform(0.5, 1.5))

    async def type_(self, low: float, high: float) -> None:
        """Writing a chat message takes a while."""
        await asyncio.sleep(random.uniform(low, high))

    async def act(
        self, action: str, method: str, path: str, body: Any = None, expected: tuple[int, ...] = ()
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if method == "POST" and path.endswith("/triage"):
            headers["Idempotency-Key"] = uuid.uuid4().hex
        t0 = time.perf_counter()
        try:
            response = await self.client.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as error:
            self.tally.errors.append(f"{action}: {type(error).__name__}")
            return 0, None
        self.tally.latencies[action].append((time.perf_counter() - t0) * 1000)
        status = response.status_code
        if status in expected:
            self.tally.expected[f"{action} {status}"] += 1
        elif status >= 400:
            self.tally.errors.append(f"{action}: {status} {response.text[:120]}")
        return status, (response.json() if response.content else None)

    def running(self) -> bool:
        return time.monotonic() < self.deadline


async def send_case(person: Person, *, pause: bool = True) -> str | None:
    """A triage of a cold, sent with "Jag vill ändå ha kontakt": the case id, or None if time ran out."""
    intake = {"unit_id": HUSKVARNA, "reason": "Förkyld", "free_text": "Ont i halsen och snuva"}
    status, draft = await person.act("start intake", "POST", "/citizen/triage", intake)
    if status != 201:
        return None
    while draft["step"] is not None and person.running():
        if pause:
            await person.think()
        step = draft["step"]["id"]
        answer = {"step_id": step, "value": COLD_ANSWERS.get(step, "no")}
        path = f"/citizen/triage/{draft['draft_id']}/answers"
        status, answered = await person.act("answer a triage step", "POST", path, answer)
        if status != 200:
            return None
        draft = answered
    if draft["step"] is not None or not person.running():
        return None
    if pause:
        await person.think()
    path = f"/citizen/triage/{draft['draft_id']}/submit"
    status, case = await person.act("send the triage (submit)", "POST", path, {"choose_contact": True})
    return str(case["case_id"]) if status == 201 else None


async def citizen(person: Person, case_id: str | None) -> None:
    """Chats in ``case_id`` if given; after each case closes (or without one), a new triage."""
    while person.running():
        if case_id is None:
            case_id = await send_case(person)
            continue
        await person.type_(2, 4)
        message = {"text": "Hur länge får jag vänta?", "client_id": uuid.uuid4().hex}
        status, _ = await person.act("post message", "POST", f"/cases/{case_id}/messages", message, expected=(409,))
        if status == 409:  # closed by the nurse: a new errand
            case_id = None
            continue
        await person.think()
        await person.act("read chat", "GET", f"/cases/{case_id}/messages")


async def nurse(person: Person) -> None:
    held: dict[str, int] = {}  # case id -> replies sent
    while person.running():
        await person.think()
        if len(held) < 2:
            status, queue = await person.act("view queue", "GET", f"/staff/queue?unit_id={HUSKVARNA}&profession=nurse")
            cases = [c for c in (queue or {}).get("cases", []) if c.get("status") == "queued"] if status == 200 else []
            if cases:
                case_id = random.choice(cases[:5])["case_id"]
                await person.think()
                status, _ = await person.act("claim", "POST", f"/staff/cases/{case_id}/claim", expected=(409,))
                if status == 200:
                    held[case_id] = 0
                    await person.think()
                    await person.act("open case", "GET", f"/staff/cases/{case_id}")
                continue
        if not held:
            continue
        case_id = random.choice(list(held))
        if held[case_id] >= 3:
            close = {"outcome": "advice_given", "summary": "Förkylning. Råd om egenvård."}
            await person.act("close", "POST", f"/staff/cases/{case_id}/close", close)
            del held[case_id]
            continue
        await person.type_(8, 12)
        message = {"text": "Hej! Drick mycket och vila.", "client_id": uuid.uuid4().hex}
        await person.act("post message", "POST", f"/cases/{case_id}/messages", message)
        held[case_id] += 1
        await person.think()
        await person.act("read chat", "GET", f"/cases/{case_id}/messages")


async def listen(url: str, tally: Tally, deadline: float) -> None:
    try:
        async with websockets.connect(url, open_timeout=60) as ws:
            while time.monotonic() < deadline:
                try:
                    json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic())))
                    tally.pushes += 1
                except TimeoutError:
                    break
    except (OSError, websockets.WebSocketException) as error:
        tally.errors.append(f"websocket: {type(error).__name__} {error}")


def _login(stack: RunningStack, kind: str, who: str, address: str) -> str:
    """A strong login as ``tests.stack`` makes it, from the person's own address: the login rate limit counts per
    client address, and sixty people do not share one (every loopback address 127.x.y.z reaches the stack)."""
    api = httpx.Client(base_url=stack.origin, timeout=30, transport=httpx.HTTPTransport(local_address=address))
    if kind == "citizen":
        started = api.post("/api/auth/bankid/start", json={"same_device": True}).raise_for_status().json()
        opened = api.post("/local/bankid/app/open", json={"autoStartToken": started["auto_start_token"]})
        ticket = opened.raise_for_status().json()["ticket"]
        api.post("/local/bankid/app/identify", json={"ticket": ticket, "personalNumber": who}).raise_for_status()
        api.post("/local/bankid/app/approve", json={"ticket": ticket}).raise_for_status()
        for _ in range(100):
            state = api.post("/api/auth/bankid/collect", json={"login_id": started["login_id"]}).json()
            if state["status"] == "complete":
                return str(state["token"])
            time.sleep(0.1)
        raise RuntimeError(f"BankID login of {who} did not complete")
    page = api.get("/api/auth/oidc/siths/start", follow_redirects=True).raise_for_status()
    pending = re.search(r'name="pending" value="([^"]+)"', page.text)
    users = dict(re.findall(r'value="([^"]+)" required[^>]*><label for="user-\d+">(.*?)</label>', page.text))
    chosen = next(sub for sub, label in users.items() if who in label.replace("-", "") or who in label)
    assert pending is not None
    back = api.post("/local/siths/login", data={"pending": pending.group(1), "action": "login", "user": chosen})
    fragment = api.get(back.headers["location"]).headers["location"].partition("#")[2]
    code = dict(part.split("=", 1) for part in fragment.split("&"))["login"]
    return str(api.post("/api/auth/exchange", json={"code": code}).raise_for_status().json()["token"])


async def _logins(stack: RunningStack) -> tuple[list[str], list[str]]:
    """Real strong logins through the stack's BankID and SITHS simulators (not timed), twelve at a time."""
    gate = asyncio.Semaphore(12)

    async def one(kind: str, who: str, address: str) -> str:
        async with gate:
            return await asyncio.to_thread(_login, stack, kind, who, address)

    citizens = [one("citizen", personnummer(i), f"127.0.1.{i + 1}") for i in range(CITIZENS)]
    staff = [one("staff", NURSES[i % len(NURSES)], f"127.0.2.{i + 1}") for i in range(STAFF)]
    tokens = await asyncio.gather(*citizens, *staff)
    return tokens[:CITIZENS], tokens[CITIZENS:]


async def _measure(stack: RunningStack, seconds: float) -> tuple[Tally, float]:
    citizen_tokens, staff_tokens = await _logins(stack)
    tally = Tally()
    limits = httpx.Limits(max_connections=CITIZENS + STAFF)
    async with httpx.AsyncClient(base_url=f"{stack.origin}/api", timeout=60, limits=limits) as client:
        # not timed: half the citizens have already sent their case and wait in the queue, ready to chat (a triage
        # is some twenty answers; in 60 s on a saturated stack nobody would get past it, and nobody would chat)
        setup, gate = Tally(), asyncio.Semaphore(8)

        async def ready(token: str) -> str | None:
            async with gate:
                return await send_case(Person(client, token, setup, time.monotonic() + 600), pause=False)

        waiting = await asyncio.gather(*(ready(t) for t in citizen_tokens[: CITIZENS // 2]))
        tally.errors.extend(f"before the clock: {error}" for error in setup.errors)
        cases = [*waiting, *[None] * (CITIZENS - len(waiting))]
        urls = [await asyncio.to_thread(stack.ws_connect_url, t) for t in citizen_tokens + staff_tokens]
        started = time.monotonic()
        deadline = started + seconds
        tasks = [listen(url, tally, deadline) for url in urls]
        tasks += [citizen(Person(client, t, tally, deadline), c) for t, c in zip(citizen_tokens, cases, strict=True)]
        tasks += [nurse(Person(client, t, tally, deadline)) for t in staff_tokens]
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    return tally, elapsed


def run(seconds: float | None = None) -> tuple[Tally, float]:
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp))
        try:
            return asyncio.run(_measure(stack, SECONDS if seconds is None else seconds))
        finally:
            stack.stop()


def _p(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100)[q - 1]


def main(seconds: float | None = None) -> None:
    tally, elapsed = run(seconds)
    actions = sum(len(v) for v in tally.latencies.values())
    print(f"Load: {CITIZENS} citizens and {STAFF} staff for {elapsed:.0f} s against the local stack")
    errors = len(tally.errors)
    print(f"  errors {errors}   target {TARGET_ERRORS}   {'met' if errors <= TARGET_ERRORS else 'NOT MET'}")
    for error, n in Counter(tally.errors).most_common(5):
        print(f"    {n} × {error}")
    print(f"  throughput {actions / elapsed:.1f} actions/s ({actions} actions; {tally.pushes} WebSocket pushes)")
    print(f"  designed 409s: {dict(tally.expected) or 'none'}")
    for action, samples in sorted(tally.latencies.items(), key=lambda kv: -len(kv[1])):
        print(f"  {action:26s} n={len(samples):5d}  p50 {_p(samples, 50):7.0f} ms  p95 {_p(samples, 95):7.0f} ms")


if __name__ == "__main__":
    main()

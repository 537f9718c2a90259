"""Starts the real local stack (``python -m infrastructure.local``) as a subprocess for e2e and browser tests."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(count: int = 1) -> int:
    """The first of ``count`` consecutive free ports (a stack of several regions takes one port each).

    The ports are chosen below the kernel's ephemeral range: a port from that range, free when checked, can be taken
    by any outgoing connection (the stack's own calls to its embedded AWS) before the stack binds it."""
    low = _ephemeral_low()
    for _ in range(200):
        first = random.randrange(10000, low - count)
        try:
            for port in range(first, first + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports")


def free_port() -> int:
    return free_ports(1)


COLD_ANSWERS: dict[str, Any] = {
    "sex": "female",
    "self_rated_health": 70,
    "complaint": "cold",
    "duration_days": 3,
    "fever": "fever_under_39",
    "fever_days": 1,
}


def personnummer(i: int) -> str:
    """A valid personnummer (Luhn check digit) for simulated citizen ``i``: born in 1980-1989."""
    body = f"{80 + i % 10:02d}{1 + i % 12:02d}{1 + i % 28:02d}{100 + i:03d}"
    total = 0
    for position, digit in enumerate(int(d) for d in body):
        product = digit * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return f"19{body}{(10 - total % 10) % 10}"


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    port: int
    log_path: Path
    regions: tuple[str, ...] = ("jonkoping",)  # in the order of their ports, from first_port
    first_port: int = 0

    def region(self, tenant: str) -> RunningStack:
        """The same local stack at a region's origin (each region has its own port and its own resources)."""
        first = self.first_port or self.port
        return RunningStack(self.process, first + self.regions.index(tenant), self.log_path, self.regions, first)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def login(self, kind: str, who: str) -> str:
        """A session token through a real strong login: BankID for a citizen (``who`` = personnummer), SITHS for
        staff (``who`` = HSA-id), each approved in its simulator exactly as a person would."""
        return self.bankid_login(who) if kind == "citizen" else self.oidc_login("siths", who)

    def bankid_login(self, personnummer: str) -> str:
        api = httpx.Client(base_url=self.origin, timeout=10)
        started = api.post("/api/auth/bankid/start", json={"same_device": True})
        started.raise_for_status()
        login_id, token = started.json()["login_id"], started.json()["auto_start_token"]
        # The "BankID app" on this device opens the order through its autostart token, then the user approves.
        opened = api.post("/local/bankid/app/open", json={"autoStartToken": token})
        opened.raise_for_status()
        ticket = opened.json()["ticket"]
        api.post(
            "/local/bankid/app/identify", json={"ticket": ticket, "personalNumber": personnummer}
        ).raise_for_status()
        api.post("/local/bankid/app/approve", json={"ticket": ticket}).raise_for_status()
        for _ in range(50):
            state = api.post("/api/auth/bankid/collect", json={"login_id": login_id}).json()
            if state["status"] == "complete":
                return str(state["token"])
            if state["status"] == "failed":
                raise RuntimeError(f"BankID login failed: {state}")
            time.sleep(0.1)
        raise RuntimeError("BankID login did not complete")

    def oidc_login(self, provider: str, subject: str) -> str:
        """Freja eID+ (``subject`` = personnummer) or SITHS (``subject`` = HSA-id) through the provider's own page."""
        api = httpx.Client(base_url=self.origin, timeout=10)
        page = api.get(f"/api/auth/oidc/{provider}/start", follow_redirects=True)
        page.raise_for_status()
        pending = re.search(r'name="pending" value="([^"]+)"', page.text)
        users = dict(re.findall(r'value="([^"]+)" required[^>]*><label for="user-\d+">(.*?)</label>', page.text))
        chosen = next(
            (sub for sub, label in users.items() if subject in label.replace("-", "") or subject in label), None
        )
        if pending is None or chosen is None:
            raise RuntimeError(f"{subject} is not on the {provider} login page")
        back = api.post(
            f"/local/{provider}/login", data={"pending": pending.group(1), "action": "login", "user": chosen}
        )
        landing = api.get(back.headers["location"])  # our callback: redirects to the frontend with a login code
        fragment = landing.headers["location"].partition("#")[2]
        code = dict(part.split("=", 1) for part in fragment.split("&")).get("login")
        if not code:
            raise RuntimeError(f"{provider} login failed: {fragment}")
        exchanged = api.post("/api/auth/exchange", json={"code": code})
        exchanged.raise_for_status()
        return str(exchanged.json()["token"])

    def ws_connect_url(self, token: str) -> str:
        """The WebSocket URL with a fresh single-use ticket for this session."""
        response = httpx.post(
            f"{self.origin}/api/auth/ws-ticket", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        response.raise_for_status()
        return f"{self.ws_url}?ticket={response.json()['ticket']}"

    def send_case(
        self,
        token: str,
        *,
        unit_id: str | None,
        reason: str,
        free_text: str = "",
        for_child: str | None = None,
        key: str | None = None,
        via: str | None = None,
    ) -> dict[str, Any]:
        """A case in the unit's queue, as a citizen makes one over the API: the triage of a cold (every question
        it does not know answered "Nej"), then "Jag vill ändå ha kontakt" — P5 for a nurse, whatever the hour.
        Without a unit it is the region-wide entry: routing sends it (normally to the citizen's listed unit)."""
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex}
        api = httpx.Client(base_url=f"{self.origin}/api", headers=headers, timeout=15)
        intake = {"unit_id": unit_id, "reason": reason, "free_text": free_text, "for_child": for_child, "via": via}
        draft = api.post("/citizen/triage", json=intake).raise_for_status().json()
        while draft["step"] is not None:
            step = draft["step"]["id"]
            answer = {"step_id": step, "value": COLD_ANSWERS.get(step, "no")}
            draft = api.post(f"/citizen/triage/{draft['draft_id']}/answers", json=answer).raise_for_status().json()
        sent = api.post(f"/citizen/triage/{draft['draft_id']}/submit", json={"choose_contact": True})
        return dict(sent.raise_for_status().json())

    def post_message(self, token: str, case_id: str, text: str) -> dict[str, Any]:
        """A chat message in the case, as its sender's page sends it."""
        response = httpx.post(
            f"{self.origin}/api/cases/{case_id}/messages",
            json={"text": text, "client_id": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
        )
        return dict(response.raise_for_status().json())

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=5)


def start_stack(
    log_dir: Path,
    timeout: float = 60.0,
    regions: tuple[str, ...] = ("jonkoping",),
    options: tuple[str, ...] = (),
) -> RunningStack:
    """``options``: more arguments of ``python -m infrastructure.local`` (e.g. ``("--faults", "0.1")``)."""
    port = free_ports(len(regions))
    log_path = log_dir / f"local-stack-{port}.log"
    log = log_path.open("w")
    env = {**os.environ, "NARA_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "infrastructure.local", "--port", str(port), "--regions", ",".join(regions), *options],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = RunningStack(process, port, log_path, tuple(regions))
    deadline = time.monotonic() + timeout
    waiting = [stack.region(r) for r in regions]
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{waiting[0].origin}/api/health", timeout=1).status_code == 200:
                waiting.pop(0)
                if not waiting:
                    return stack
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stack.stop()
    raise RuntimeError(f"the local stack did not start within {timeout} s:\n{log_path.read_text()}")

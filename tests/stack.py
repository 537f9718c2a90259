"""Starts the real local stack (``python -m infrastructure.local``) as a subprocess for e2e and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    port: int
    log_path: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def login(self, kind: str, who: str) -> str:
        response = httpx.post(f"{self.origin}/local/login", json={"kind": kind, "id": who}, timeout=10)
        response.raise_for_status()
        return str(response.json()["token"])

    def ws_connect_url(self, token: str) -> str:
        """The WebSocket URL with a fresh single-use ticket for this session."""
        response = httpx.post(
            f"{self.origin}/api/auth/ws-ticket", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        response.raise_for_status()
        return f"{self.ws_url}?ticket={response.json()['ticket']}"

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=5)


def start_stack(log_dir: Path, timeout: float = 60.0) -> RunningStack:
    port = free_port()
    log_path = log_dir / f"local-stack-{port}.log"
    log = log_path.open("w")
    env = {**os.environ, "NARA_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "infrastructure.local", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = RunningStack(process, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{stack.origin}/api/health", timeout=1).status_code == 200:
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stack.stop()
    raise RuntimeError(f"the local stack did not start within {timeout} s:\n{log_path.read_text()}")

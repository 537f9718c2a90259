"""A simulator (a Starlette app) served over real HTTP in a thread, for the adapter tests that speak to it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def bound_socket() -> tuple[socket.socket, str]:
    """A socket on a free local port, and its origin (for an app that must know its own address first)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # accepted connections inherit it; without it each small response waits ~40 ms for a delayed ACK
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serving(app: Any, bound: tuple[socket.socket, str] | None = None) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its origin (``http://127.0.0.1:<port>``)."""
    sock, origin = bound or bound_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the simulator did not start"
        time.sleep(0.02)
    try:
        yield origin
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

"""A fake Overpass API on 127.0.0.1 for tests of the online paths (osmnx downloads).

It answers every POST/GET with ``state["elements"]`` as Overpass JSON, records each query, serves at most
``max_requests`` requests or ``lifetime_s`` seconds and then stops by itself (no traffic leaves the machine).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import unquote_plus


@contextlib.contextmanager
def fake_overpass(elements: list[dict[str, Any]], *, max_requests: int = 12,
                  lifetime_s: float = 30.0) -> Iterator[dict[str, Any]]:
    """Serve ``elements``; yield the state dict (``url``, ``calls``, ``queries``, ``elements`` — mutable)."""
    state: dict[str, Any] = {"calls": 0, "queries": [], "elements": elements}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, query: str) -> None:
            state["calls"] += 1
            state["queries"].append(query)
            data = json.dumps({"version": 0.6, "elements": state["elements"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            self._answer(unquote_plus(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()))

        def do_GET(self) -> None:  # noqa: N802
            self._answer(unquote_plus(self.path))

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 0.05
    stop = threading.Event()

    def serve() -> None:
        deadline = time.monotonic() + lifetime_s
        while not stop.is_set() and state["calls"] < max_requests and time.monotonic() < deadline:
            server.handle_request()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/api"
    try:
        yield state
    finally:
        stop.set()
        thread.join(timeout=2)
        server.server_close()

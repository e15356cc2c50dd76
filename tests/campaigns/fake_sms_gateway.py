"""An SMS gateway on 127.0.0.1 for the tests: a real HTTP server in a thread that takes messages as the
``HttpGatewaySmsBackend`` posts them, answers each with an id of its own (``gw-1``, ``gw-2``…) or a scripted
status, and records every request. No mock of the client."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeGateway:
    url: str = ""
    received: list[dict] = field(default_factory=list)
    refuse_with: int | None = None  # answer every send with this HTTP status instead
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ids(self) -> list[str]:
        return [f"gw-{n}" for n in range(1, len(self.received) + 1)]


class _Handler(BaseHTTPRequestHandler):
    gateway: FakeGateway

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.gateway.lock:
            if self.gateway.refuse_with:
                status, answer = self.gateway.refuse_with, {"error": "refused"}
            else:
                self.gateway.received.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"{}")}
                )
                status, answer = 200, {"id": f"gw-{len(self.gateway.received)}"}
        raw = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format, *args) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


def start_fake_gateway():
    """(gateway, stop): a server on a free port of 127.0.0.1, serving until stop() is called."""
    gateway = FakeGateway()
    handler = type("Handler", (_Handler,), {"gateway": gateway})
    server = _QuietServer(("127.0.0.1", 0), handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return gateway, stop

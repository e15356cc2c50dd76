"""A geocoding provider on 127.0.0.1 for the tests: a real HTTP server in a thread that answers what the test
scripts (status, body, delay) and records every request (path, query, headers). No mock of the client."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Scripted:
    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0


@dataclass
class FakeProvider:
    url: str = ""
    answers: list[Scripted] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)

    def answer(self, payload=None, *, status: int = 200, body: bytes | None = None, delay: float = 0.0) -> None:
        """Queue the next answer: ``payload`` as JSON, or ``body`` as it is."""
        raw = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
        self.answers.append(Scripted(status, raw, delay))


class _Handler(BaseHTTPRequestHandler):
    provider: FakeProvider

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.provider.requests.append(
            {
                "path": parts.path,
                "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                "headers": dict(self.headers),
            }
        )
        scripted = self.provider.answers.pop(0) if self.provider.answers else Scripted(500, b"no answer scripted")
        if scripted.delay:
            time.sleep(scripted.delay)
        try:
            self.send_response(scripted.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(scripted.body)))
            self.end_headers()
            self.wfile.write(scripted.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout tests)

    def log_message(self, format, *args) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


def start_fake_provider():
    """(provider, stop): a server on a free port of 127.0.0.1, serving until stop() is called."""
    provider = FakeProvider()
    handler = type("Handler", (_Handler,), {"provider": provider})
    server = _QuietServer(("127.0.0.1", 0), handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/geocode"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return provider, stop

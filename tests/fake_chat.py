"""A local fake of the chat providers' HTTP APIs (WeCom group robot, DingTalk group robot, WeCom application
messages): a real http.server in a thread that records what it is sent and answers as told."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    body: dict


@dataclass
class FakeChat:
    """``answers``: what to answer next, one per request ("ok", "500", "slow", "block", {"errcode": …});
    "ok" once they run out. "block" holds the request until ``release`` (the answer never comes if the
    client is gone). Access tokens: ``token`` is the one gettoken hands out."""

    answers: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    token: str = "token-1"
    slow_seconds: float = 3.0
    dingtalk_secret: str = ""
    released: threading.Event = field(default_factory=threading.Event)
    blocked: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def robot_posts(self) -> list[Received]:
        return [request for request in self.received if request.path in ("/cgi-bin/webhook/send", "/robot/send")]

    def start(self) -> FakeChat:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self):
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                fake.received.append(Received(self.command, parsed.path, query, body))
                if parsed.path == "/cgi-bin/gettoken":
                    return self._json({"errcode": 0, "errmsg": "ok", "access_token": fake.token, "expires_in": 7200})
                if parsed.path == "/robot/send" and fake.dingtalk_secret and not fake._signed(query):
                    return self._json({"errcode": 310000, "errmsg": "sign not match"})
                answer = fake.answers.pop(0) if fake.answers else "ok"
                if answer == "block":
                    fake.blocked.set()
                    fake.released.wait(120)
                    answer = "ok"
                if answer == "slow":
                    time.sleep(fake.slow_seconds)
                    answer = "ok"
                if answer == "500":
                    self.send_response(500)
                    self.end_headers()
                    return None
                return self._json({"errcode": 0, "errmsg": "ok"} if answer == "ok" else answer)

            def _json(self, payload):
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client may be gone (a killed worker)
                    self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def _signed(self, query: dict[str, str]) -> bool:
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        digest = hmac.new(
            self.dingtalk_secret.encode(), f"{timestamp}\n{self.dingtalk_secret}".encode(), hashlib.sha256
        )
        return bool(timestamp) and sign == base64.b64encode(digest.digest()).decode()

    def stop(self) -> None:
        self.released.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

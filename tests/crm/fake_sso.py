"""A local fake of WeCom's and DingTalk's sign-in APIs: a real HTTP server in a thread.

``codes`` maps a sign-in code to the identity the provider gives for it (a WeCom userid, a DingTalk unionId);
any other code is refused the way the provider refuses it. ``delay`` makes every answer that late (timeouts);
``calls`` records each request's path, for counting the token requests.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeProviders:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.delay = 0.0
        self.calls: list[str] = []
        self.wecom_token = "wecom-corp-token-1"
        self.expired_tokens: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                if fake.delay:
                    time.sleep(fake.delay)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                fake.calls.append(url.path)
                if url.path == "/cgi-bin/gettoken":
                    if query.get("corpid") == "ww-corp" and query.get("corpsecret") == "wecom-secret":
                        return self._answer(
                            200, {"errcode": 0, "errmsg": "ok", "access_token": fake.wecom_token, "expires_in": 7200}
                        )
                    return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                if url.path == "/cgi-bin/auth/getuserinfo":
                    if query.get("access_token") in fake.expired_tokens:
                        return self._answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
                    if query.get("access_token") != fake.wecom_token:
                        return self._answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
                    userid = fake.codes.get(query.get("code", ""))
                    if userid is None:
                        return self._answer(200, {"errcode": 40029, "errmsg": "invalid code"})
                    return self._answer(200, {"errcode": 0, "errmsg": "ok", "userid": userid})
                if url.path == "/v1.0/contact/users/me":
                    token = self.headers.get("x-acs-dingtalk-access-token", "")
                    if not token.startswith("ding-user-token:"):
                        return self._answer(401, {"code": "InvalidAuthentication", "message": "token invalid"})
                    union_id = token.removeprefix("ding-user-token:")
                    return self._answer(200, {"nick": "钉钉用户", "unionId": union_id, "openId": f"open-{union_id}"})
                return self._answer(404, {"errcode": 404, "errmsg": "no such path"})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                fake.calls.append(url.path)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if url.path == "/v1.0/oauth2/userAccessToken":
                    if body.get("clientId") != "ding-client" or body.get("clientSecret") != "ding-secret":
                        return self._answer(400, {"code": "invalidClientId", "message": "bad client"})
                    union_id = fake.codes.get(body.get("code", ""))
                    if union_id is None or body.get("grantType") != "authorization_code":
                        return self._answer(400, {"code": "invalidAuthCode", "message": "code invalid"})
                    return self._answer(
                        200, {"accessToken": f"ding-user-token:{union_id}", "refreshToken": "r", "expireIn": 7200}
                    )
                return self._answer(404, {"code": "NotFound", "message": "no such path"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProviders:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

"""A moto server shared per module, and a tiny recording, fault-injecting HTTP proxy in front
of it: each test gives the proxy one defect (a function over the upstream answer), so a
schemathesis check is shown to fail on exactly that defect and to pass without it."""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import pytest

from conformance.backends import moto_server


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


#: (operation from X-Amz-Target, upstream answer) -> answer sent to the client
Defect = Callable[[str, Answer], Answer]


@dataclass
class Proxy:
    upstream: str
    defect: Defect | None = None
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    up = urllib.parse.urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items()}
            proxy.seen.append(Seen(self.command, self.path, headers, body))
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
            conn.request("POST", self.path, body=body, headers=headers)
            raw = conn.getresponse()
            answer = Answer(raw.status, {k: v for k, v in raw.getheaders()}, raw.read())
            conn.close()
            operation = headers.get("X-Amz-Target", "").rpartition(".")[2]
            if proxy.defect is not None:
                answer = proxy.defect(operation, answer)
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "connection", "transfer-encoding",
                                       "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

    return Handler


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def proxy(moto_url: str) -> Iterator[Proxy]:
    """A pass-through proxy to the module's moto server; set ``proxy.defect`` to break it."""
    state = Proxy(moto_url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

"""A fault-injecting HTTP proxy between a botocore client and an AWS JSON 1.1 emulator.

``FaultProxy(upstream_url, defects=(), lifecycle=None, faithful=True)`` listens on
127.0.0.1 and a free port and forwards every request (method, path, headers as they are,
body) to ``upstream_url`` with :mod:`http.client`. On the way:

1. each active defect's ``on_request`` may rewrite the request, or answer it (then nothing
   is forwarded);
2. the faithful layer (:mod:`conformance.faults.faithful`, on by default) papers over the
   upstream's known deviations from AWS (moto's), answers an unknown ``X-Amz-Target``
   operation 400 ``UnknownOperationException`` (:func:`unknown_operation`; moto: 500),
   validates input like AWS, implements
   StopCompilationJob, ListCompilationJobs paging/filtering/sorting and, with ``lifecycle``,
   jobs that really move through their statuses;
3. each active defect's ``on_response`` may rewrite the response.

So a defective proxy is "AWS as far as we know, plus exactly one misbehaviour"::

    with moto_server() as upstream, FaultProxy(upstream, defects=["enum_misspelled"]) as p:
        client = boto3.client("sagemaker", endpoint_url=p.url, ...)

Robustness: the listening socket and every connection are closed by :meth:`FaultProxy.close`
(open keep-alive connections are shut down, handler threads are daemonic and joined with a
bound); upstream calls have connect/read timeouts; an exception inside a defect or the
faithful layer answers 500 ``InternalFailure`` naming the proxy, and is kept in
:attr:`FaultProxy.errors` so tests can assert there were none.
"""

from __future__ import annotations

import copy
import gzip
import http.client
import json
import socket
import struct
import threading
import time
import traceback
import urllib.parse
import uuid
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalogue import Defect
    from .faithful import Lifecycle

__all__ = ["Exchange", "FaultProxy", "JournalEntry", "Response", "TARGET_PREFIX", "JSON_CONTENT_TYPE"]

TARGET_PREFIX = "SageMaker."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_BODY = 16 * 1024 * 1024
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)


class _Special:
    """A response that is no HTTP answer: the connection is reset."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


RESET = _Special("connection reset")


@dataclass
class Response:
    """An HTTP response: status, headers (a list, case kept), body bytes."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str = ""
    #: Where it came from: "upstream", "faithful", a defect's name, or "proxy".
    source: str = "upstream"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def set_header(self, name: str, value: str | None) -> None:
        low = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != low]
        if value is not None:
            self.headers.append((name, value))

    def json(self) -> Any:
        """The body parsed as JSON (a fresh copy each call), or None when it is not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def set_json(self, obj: Any) -> None:
        self.body = json.dumps(obj).encode()
        if self.header("Content-Type") is None:
            self.set_header("Content-Type", JSON_CONTENT_TYPE)

    @property
    def error_code(self) -> str | None:
        """The ``__type`` of an error body (namespace stripped), or the error-type header."""
        if self.status < 400:
            return None
        data = self.json()
        code = data.get("__type") if isinstance(data, dict) else None
        code = code or self.header("X-Amzn-ErrorType")
        if isinstance(code, str):
            return code.split("#")[-1].split(":")[0]
        return None

    @classmethod
    def make_json(cls, status: int, obj: Any, source: str = "faithful") -> "Response":
        r = cls(
            status=status,
            headers=[("Content-Type", JSON_CONTENT_TYPE), ("x-amzn-RequestId", str(uuid.uuid4()))],
            source=source,
        )
        r.set_json(obj)
        return r

    @classmethod
    def error(cls, status: int, code: str, message: str, source: str = "faithful") -> "Response":
        r = cls.make_json(status, {"__type": code, "message": message}, source)
        r.set_header("X-Amzn-ErrorType", code)
        return r


@dataclass
class JournalEntry:
    """One request through the proxy, as the client saw it."""

    operation: str | None
    params: Any
    status: int | None
    body: bytes
    source: str


class Exchange:
    """One request on its way through the proxy, and (once known) its response.

    ``params`` is the parsed JSON body (None when not JSON); defects may change it in place
    or replace it, and the proxy re-serialises it for the upstream if it changed.
    ``flags`` are tweaks defects set for the faithful layer (see ``catalogue``).
    """

    def __init__(self, proxy: "FaultProxy", method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.proxy = proxy
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.response: Response | _Special | None = None
        self.flags: set[str] = set()
        #: per-request scratch space for defects (between on_request and on_response)
        self.notes: dict[str, Any] = {}
        self.operation: str | None = None
        target = self.header("X-Amz-Target")
        if target and target.startswith(TARGET_PREFIX):
            self.operation = target[len(TARGET_PREFIX) :]
        self.params: Any = None
        self.parse_error = False
        if self.operation is not None:
            try:
                self.params = json.loads(body) if body.strip() else {}
            except (ValueError, UnicodeDecodeError):
                self.parse_error = True
        self._orig_params = copy.deepcopy(self.params)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def body_for_upstream(self) -> bytes:
        if self.params is not None and self.params != self._orig_params:
            return json.dumps(self.params).encode()
        return self.body

    @property
    def job_name(self) -> str | None:
        p = self.params
        if isinstance(p, dict) and isinstance(p.get("CompilationJobName"), str):
            return p["CompilationJobName"]
        return None

    def upstream(self, operation: str, params: Any) -> Response:
        """Call ``operation`` on the upstream with this request's headers (signature and all:
        moto does not verify it) and ``params`` as the body."""
        headers = [(k, v) for k, v in self.headers if k.lower() != "x-amz-target"]
        headers.append(("X-Amz-Target", TARGET_PREFIX + operation))
        return self.proxy._forward("POST", "/", headers, json.dumps(params).encode())

    def forward(self) -> Response:
        """Send this (possibly rewritten) request to the upstream."""
        return self.proxy._forward(self.method, self.path, self.headers, self.body_for_upstream())


def unknown_operation(ex: Exchange) -> Response | None:
    """The faithful answer to an ``X-Amz-Target`` naming no operation of the service: 400
    ``UnknownOperationException``, as AWS JSON services answer (moto's server answers 500
    with an HTML page: botocore's OperationNotFoundError). None for a known operation, or a
    target outside the service's prefix (forwarded as before)."""
    if ex.operation is None:
        return None
    from .validation import service_model

    if ex.operation in service_model().operation_names:
        return None
    return Response.error(400, "UnknownOperationException",
                          f"Operation {TARGET_PREFIX}{ex.operation} is not supported by this service.")


class DefectState(dict):
    """Per-proxy, per-defect mutable state (a dict with a lock)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()


class FaultProxy:
    """``with FaultProxy(upstream_url, defects=["enum_misspelled"]) as p: p.url``

    ``defects``: names from :data:`conformance.faults.catalogue.DEFECTS` or Defect objects.
    ``lifecycle``: a :class:`~conformance.faults.faithful.Lifecycle` (jobs move STARTING ->
    INPROGRESS -> COMPLETED over time) or None (COMPLETED at once, as moto).
    ``job_seconds`` (and ``stop_seconds``): instead of ``lifecycle``, jobs that take this long
    (:meth:`Lifecycle.lasting`): the durations as one parameter.
    ``faithful``: the layer that makes moto behave like AWS as far as we know.
    ``list_default_max_results``: ListCompilationJobs page size when MaxResults is absent.
    """

    def __init__(
        self,
        upstream_url: str,
        defects: Iterable["str | Defect"] = (),
        lifecycle: "Lifecycle | None" = None,
        *,
        faithful: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        upstream_timeout: float = 30.0,
        idle_timeout: float = 15.0,
        list_default_max_results: int = 10,
        job_seconds: float | None = None,
        stop_seconds: float | None = None,
    ) -> None:
        from .catalogue import resolve
        from .faithful import Faithful, Lifecycle

        if job_seconds is not None:
            if lifecycle is not None:
                raise ValueError("give lifecycle or job_seconds, not both")
            lifecycle = Lifecycle.lasting(job_seconds, stop_seconds)
        elif stop_seconds is not None:
            raise ValueError("stop_seconds needs job_seconds")

        parsed = urllib.parse.urlparse(upstream_url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"upstream_url must be http://host:port, got {upstream_url!r}")
        self.upstream_url = upstream_url.rstrip("/")
        self._up_host = parsed.hostname
        self._up_port = parsed.port or 80
        self._up_prefix = parsed.path.rstrip("/")
        self.defects: tuple[Defect, ...] = tuple(resolve(d) for d in defects)
        self.lifecycle = lifecycle
        self.faithful = faithful
        for d in self.defects:
            if d.requires_faithful and not faithful:
                raise ValueError(f"defect {d.name!r} acts on the faithful layer; it needs faithful=True")
        self.upstream_timeout = upstream_timeout
        self.idle_timeout = idle_timeout
        self._host, self._port = host, port
        self.layer = Faithful(self, lifecycle=lifecycle, default_max_results=list_default_max_results) if faithful else None
        self.states: dict[str, DefectState] = {d.name: DefectState() for d in self.defects}
        self.errors: list[str] = []
        self.journal: deque[JournalEntry] = deque(maxlen=2000)
        self.closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- lifecycle of the proxy itself -----------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FaultProxy is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FaultProxy":
        if self._server is not None:
            return self
        self.closing.clear()
        server = _Server((self._host, self._port), _Handler)
        server.proxy = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.closing.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout)
        server.close_connections()
        server.join_handlers(timeout)

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        names = ",".join(d.name for d in self.defects) or "none"
        where = self.url if self._server is not None else "stopped"
        return f"<FaultProxy {where} -> {self.upstream_url} defects={names} faithful={self.faithful}>"

    # --- request processing ----------------------------------------------------------

    def state(self, defect: "Defect | str") -> DefectState:
        name = defect if isinstance(defect, str) else defect.name
        return self.states[name]

    def process(self, ex: Exchange) -> Response | _Special:
        try:
            for d in self.defects:
                d.on_request(ex, self.states[d.name])
                if ex.response is not None:
                    break
            if ex.response is None:
                if self.layer is not None:
                    ex.response = unknown_operation(ex) or self.layer.handle(ex)
                else:
                    ex.response = ex.forward()
            if isinstance(ex.response, Response):
                for d in self.defects:
                    d.on_response(ex, self.states[d.name])
                    if not isinstance(ex.response, Response):
                        break
        except Exception:  # noqa: BLE001 - a proxy bug must not kill the connection silently
            tb = traceback.format_exc()
            with self._lock:
                self.errors.append(tb)
            ex.response = Response.error(500, "InternalFailure", "fault proxy error: " + tb.strip().splitlines()[-1], "proxy")
        resp = ex.response
        self.journal.append(
            JournalEntry(
                ex.operation,
                ex.params,
                resp.status if isinstance(resp, Response) else None,
                resp.body if isinstance(resp, Response) else b"",
                resp.source if isinstance(resp, Response) else repr(resp),
            )
        )
        return resp

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> Response:
        conn = http.client.HTTPConnection(self._up_host, self._up_port, timeout=self.upstream_timeout)
        try:
            conn.putrequest(method, self._up_prefix + path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                if k.lower() not in _HOP_BY_HOP:
                    conn.putheader(k, v)
            if body or method not in ("GET", "HEAD"):
                conn.putheader("Content-Length", str(len(body)))
            conn.putheader("Connection", "close")
            conn.endheaders(body)
            r = conn.getresponse()
            data = r.read()
            out_headers = [(k, v) for k, v in r.getheaders() if k.lower() not in _HOP_BY_HOP]
            encoding = (r.getheader("Content-Encoding") or "").lower()
            if encoding in ("gzip", "deflate"):
                data = gzip.decompress(data) if encoding == "gzip" else zlib.decompress(data)
                out_headers = [(k, v) for k, v in out_headers if k.lower() != "content-encoding"]
            return Response(r.status, out_headers, data, r.reason, "upstream")
        except (OSError, http.client.HTTPException) as exc:
            return Response.error(
                502, "ServiceUnavailable", f"fault proxy: upstream {self.upstream_url} failed: {exc!r}", "proxy"
            )
        finally:
            conn.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64
    proxy: FaultProxy

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._conns: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        self._conn_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        t = threading.Thread(
            target=self._run, args=(request, client_address), name="fault-proxy-conn", daemon=True
        )
        with self._conn_lock:
            self._conns.add(request)
            self._handlers.add(t)
        t.start()

    def _run(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._conn_lock:
                self._conns.discard(request)
                self._handlers.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Broken client connections are the client's business; anything else is recorded.
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        self.proxy.errors.append(traceback.format_exc())

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._conns)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def join_handlers(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._conn_lock:
            threads = list(self._handlers)
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultProxy"
    server: _Server

    def setup(self) -> None:
        self.timeout = self.server.proxy.idle_timeout
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
        pass

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_POST

    def _read_body(self) -> bytes | None:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        proxy = self.server.proxy
        try:
            body = self._read_body()
        except ValueError:
            self._send(Response.error(400, "BadRequest", "malformed request framing", "proxy"))
            self.close_connection = True
            return
        if body is None:
            self._send(Response.error(413, "RequestEntityTooLarge", "request body too large", "proxy"))
            self.close_connection = True
            return
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in ("transfer-encoding",)]
        ex = Exchange(proxy, self.command, self.path, headers, body)
        resp = proxy.process(ex)
        if resp is RESET:
            self._reset()
            return
        assert isinstance(resp, Response)
        self._send(resp)

    def _send(self, resp: Response) -> None:
        # Status line, headers and body in one write: split writes meet Nagle and delayed
        # ACKs (40 ms a response). TCP_NODELAY is set too (see setup).
        reason = resp.reason or self.responses.get(resp.status, ("",))[0]
        lines = [f"HTTP/1.1 {resp.status} {reason}"]
        lines += [f"{k}: {v}" for k, v in resp.headers if k.lower() not in _HOP_BY_HOP]
        lines.append(f"Content-Length: {len(resp.body)}")
        if self.close_connection or self.server.proxy.closing.is_set():
            lines.append("Connection: close")
            self.close_connection = True
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head + (b"" if self.command == "HEAD" else resp.body))
        self.wfile.flush()

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # with SO_LINGER 0: an RST, no FIN
        except OSError:
            pass

"""moto's own HTTP server on a free loopback port: ``--backend server`` without an endpoint,
recording fixtures, and the upstream of the self-test's fault proxy.

``ThreadedMotoServer`` hands ``port`` to werkzeug's ``make_server``, which binds it as given,
so port 0 lets the kernel pick a free port with no bind-then-close race; the real port is read
back with ``get_host_and_port()``. ``ThreadedMotoServer.stop()`` shuts the serve loop down but
does not close the listening socket, so :func:`start_moto_server` closes it too.

moto keeps its backends in process-wide state: every server started in one process (and
moto's in-process ``mock_aws``) sees the same jobs, and ``mock_aws`` resets them when it exits.
Use unique job names.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator

__all__ = ["moto_server", "start_moto_server"]


def start_moto_server(host: str = "127.0.0.1", ready_timeout: float = 10.0) -> tuple[str, Callable[[], None]]:
    """Start ``moto.server.ThreadedMotoServer`` on ``host`` and a free port.

    Returns ``(url, stop)``; ``stop()`` is idempotent, stops the server thread and closes
    its socket.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    bound_host, port = server.get_host_and_port()
    url = f"http://{bound_host}:{port}"
    _wait_listening(bound_host, port, ready_timeout)
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if stopped:
            return
        stopped = True
        inner = getattr(server, "_server", None)
        server.stop()
        if inner is not None:
            inner.server_close()

    return url, stop


@contextlib.contextmanager
def moto_server(host: str = "127.0.0.1") -> Iterator[str]:
    """``with moto_server() as url:`` a moto server for the block, stopped after."""
    url, stop = start_moto_server(host)
    try:
        yield url
    finally:
        stop()


def _wait_listening(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto server on {host}:{port} did not start within {timeout}s") from None
            time.sleep(0.02)

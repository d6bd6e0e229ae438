"""moto's own HTTP server as the upstream of a :class:`FaultProxy`: the starter lives in
:mod:`conformance.motoserver` (the backends use it too, and must not depend on the self-test)."""

from __future__ import annotations

from ..motoserver import moto_server, start_moto_server

__all__ = ["moto_server", "start_moto_server"]

"""Fault injection for the suite's self-test: a proxy between a botocore client and moto's
server that behaves like AWS (the faithful layer) plus, on request, exactly one named defect.

    from conformance.faults import FaultProxy, Lifecycle, moto_server, DEFECTS

    with moto_server() as upstream:
        with FaultProxy(upstream, defects=["enum_misspelled"]) as proxy:
            ...  # boto3.client("sagemaker", endpoint_url=proxy.url, ...)
"""

from .catalogue import DEFECTS, KINDS, TRANSIENT, Defect, Transient, describe, resolve, transient
from .faithful import Lifecycle
from .proxy import Exchange, FaultProxy, Response
from .upstream import moto_server, start_moto_server

__all__ = [
    "DEFECTS",
    "KINDS",
    "Defect",
    "Exchange",
    "FaultProxy",
    "Lifecycle",
    "Response",
    "TRANSIENT",
    "Transient",
    "describe",
    "moto_server",
    "resolve",
    "start_moto_server",
    "transient",
]

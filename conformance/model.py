"""The botocore service model: the single source of truth for operations and shapes."""

from __future__ import annotations

import functools

import botocore.session
from botocore.model import OperationModel, ServiceModel

SERVICE = "sagemaker"

#: The operations this suite covers, in lifecycle order.
OPERATIONS: tuple[str, ...] = (
    "CreateCompilationJob",
    "DescribeCompilationJob",
    "ListCompilationJobs",
    "StopCompilationJob",
    "DeleteCompilationJob",
)


@functools.cache
def service_model(service: str = SERVICE) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def operation(name: str, service: str = SERVICE) -> OperationModel:
    return service_model(service).operation_model(name)


def botocore_version() -> str:
    import botocore

    return botocore.__version__

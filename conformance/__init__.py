"""Conformance suite for the AWS SageMaker compilation-job API (SageMaker Neo).

The data flows one way: botocore model -> ``strategies`` -> request -> backend
(:mod:`conformance.backends`) -> wire exchange (:mod:`conformance.exchange`) -> checks
(:mod:`conformance.checks`) -> results -> report (:mod:`conformance.reports`).
"""

__version__ = "0.1.0"

"""Gatekeeper: offline licence-plate recognition and gate log for gatehouse operators."""

__version__ = "0.1.0"

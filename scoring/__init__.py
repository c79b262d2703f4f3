"""Placeholder until the package lands."""

__all__: list[str] = []

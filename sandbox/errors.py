"""The sandbox's error tree: one root, grouped by what went wrong.

SandboxError
 ├── SpecError          a WorldSpec, fault rule or config that cannot be honoured (caller's mistake)
 ├── StartupError       the servers did not come up (port taken, TLS files unwritable, ...)
 ├── PersistError       the orgs' state could not be saved (an org that does not pickle) or loaded
 └── AdminError         an admin request the sandbox refuses (unknown action, bad params)
"""

from __future__ import annotations

__all__ = ["AdminError", "PersistError", "SandboxError", "SpecError", "StartupError"]


class SandboxError(Exception):
    """Root of every error the sandbox raises on purpose."""


class SpecError(SandboxError, ValueError):
    """A specification (world, fault rule, config) is out of range or inconsistent."""

    def __init__(self, what: str, problem: str) -> None:
        self.what = what
        self.problem = problem
        super().__init__(f"{what}: {problem}")


class StartupError(SandboxError, RuntimeError):
    """A server thread failed to start or did not become ready in time."""


class PersistError(SandboxError):
    """Saving or loading the orgs' state failed; `path` is the state file."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        super().__init__(f"{path}: {problem}")


class AdminError(SandboxError):
    """An admin request was refused; `status` is the HTTP status the admin route answers."""

    def __init__(self, message: str, status: int = 400) -> None:
        self.status = status
        super().__init__(message)

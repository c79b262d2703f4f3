"""Errors raised by the scoring engine: one root, grouped by what the caller should do.

```
ScoringError                  root: anything scoring refuses to compute
├── InputSchemaError          fatal, fix the mapping: a frame misses a column or has the wrong type
│   └── DuplicateKeyError     fatal, fix the store: a key that must be unique appears twice
└── ParameterError            fatal, fix the config: a tunable is out of its allowed range
```

Data-quality problems in individual records (a missing rate, an unknown wallet) are never raised: they come
back as warnings beside the figures (see `scoring.quality`).
"""

from __future__ import annotations

__all__ = [
    "DuplicateKeyError",
    "InputSchemaError",
    "ParameterError",
    "ScoringError",
]


class ScoringError(Exception):
    """Root of every error raised by `scoring`."""


class InputSchemaError(ScoringError):
    """An input frame does not match its schema in kpis.md section 1."""

    def __init__(self, frame: str, column: str, problem: str) -> None:
        self.frame = frame
        self.column = column
        self.problem = problem
        super().__init__(f"input frame {frame!r}, column {column!r}: {problem}")


class DuplicateKeyError(InputSchemaError):
    """A key column that must be unique holds the same value more than once."""

    def __init__(self, frame: str, column: str, example: str, count: int) -> None:
        self.example = example
        self.count = count
        super().__init__(frame, column, f"{count} duplicated value(s), e.g. {example!r}")


class ParameterError(ScoringError):
    """A scoring parameter is outside the range the spec allows."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"scoring parameter {name!r}: {problem}")

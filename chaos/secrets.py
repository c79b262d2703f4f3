"""The secrets the stacks were given (CRM credentials, the JWT private key, the store's password, API tokens),
and a scan of everything the product left behind for any of them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

__all__ = ["Hit", "SecretBook", "scanned_files"]

MIN_SECRET: Final = 12  # shorter needles would match by chance
SKIPPED_DIRS: Final = frozenset({"sandbox"})  # the sandbox's own state dir holds the keys by design
SCANNED_SUFFIXES: Final = frozenset({".out", ".err", ".txt", ".html", ".json", ".yaml", ".log", ".csv"})


@dataclass(frozen=True, slots=True)
class Hit:
    """One secret found in one place."""

    where: str
    label: str


@dataclass
class SecretBook:
    """Every secret handed out so far, by label (never printed: hits name the label, not the value)."""

    _needles: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **secrets: str) -> None:
        with self._lock:
            for label, value in secrets.items():
                if value and len(value) >= MIN_SECRET:
                    self._needles[value] = label

    def add_pem(self, pem: str) -> None:
        """A private key: each full base64 line of its body is a needle (any leak shows at least one)."""
        with self._lock:
            for line in pem.splitlines():
                line = line.strip()
                if len(line) >= 40 and not line.startswith("-----"):
                    self._needles[line] = "private_key"

    def __len__(self) -> int:
        return len(self._needles)

    def find(self, text: str, where: str) -> list[Hit]:
        """The secrets `text` contains (each label once per place)."""
        with self._lock:
            needles = list(self._needles.items())
        labels = sorted({label for needle, label in needles if needle in text})
        return [Hit(where, label) for label in labels]

    def scan(self, files: Iterable[Path]) -> list[Hit]:
        hits: list[Hit] = []
        for path in files:
            try:
                content = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            hits += self.find(content, str(path))
        return hits


def scanned_files(root: Path) -> Iterator[Path]:
    """Files under `root` the product wrote or answered with: logs, store dumps, API answers, pages, configs."""
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in SCANNED_SUFFIXES and not SKIPPED_DIRS & set(path.relative_to(root).parts):
            yield path

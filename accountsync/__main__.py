"""`python -m accountsync` runs the CLI."""

from __future__ import annotations

from accountsync.cli import main

main()

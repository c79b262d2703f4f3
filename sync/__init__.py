"""The store, jobs, pull, write-back, identity and scheduler: imports config, connectors and scoring.

The names below are loaded on first use (SPEC 1's `lazy_loader`, from the stub `__init__.pyi` beside this file,
which type checkers read): `import sync.errors` or `accountsync config validate` no longer pay for the
connectors, their SDKs, polars and alembic, which only the commands that use them import.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

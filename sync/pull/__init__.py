"""The pull wing: a job's streams read page by page into the store, positions committed with each page,
counts audited against the CRM and repaired by windows, and one account resynced on demand.

Its names load on first use (SPEC 1's `lazy_loader`, from the stub `__init__.pyi` beside this file).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

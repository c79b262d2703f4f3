"""The enrichment wing: usage and account data from files or a read-only SQL source, matched to accounts,
checked, and written with counted upserts.

Its names load on first use (SPEC 1's `lazy_loader`, from the stub `__init__.pyi` beside this file).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

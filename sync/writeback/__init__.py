"""The write-back wing: figures formatted once, a plan of changed values per CRM field, batches sent with a
write-ahead ledger, and the written fields read back as a rep sees them.

Its names load on first use (SPEC 1's `lazy_loader`, from the stub `__init__.pyi` beside this file).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

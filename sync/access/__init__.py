"""The access wing: admin-API bearer tokens with roles, and dashboard sessions kept on the server.

Its names load on first use, from the stub `__init__.pyi` beside this file (`lazy_loader`, as `sync` itself):
the CLI names the roles and the lease variable in its help without loading the store.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

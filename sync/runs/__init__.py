"""The runs wing: run rows and their lifecycle, the job lock and its heartbeat, the queue, the daily API
budget, and read-only views of runs for the faces.

Its names load on first use, from the stub `__init__.pyi` beside this file (`lazy_loader`, as `sync` itself):
the CLI names the roles and the lease variable in its help without loading the store.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

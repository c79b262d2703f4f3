"""The serve wing: what `accountsync serve` runs: the scheduler enqueueing each job's cron fires once across
replicas, queue workers claiming runs and running them through `sync.jobs`, and the service holding both.

Its names load on first use (SPEC 1's `lazy_loader`, from the stub `__init__.pyi` beside this file).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

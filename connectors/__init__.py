"""Salesforce and HubSpot clients behind one small Protocol: imports config only.

The names below are loaded on first use (SPEC 1's `lazy_loader`, from the stub `__init__.pyi` beside this file,
which type checkers read), as `sync`'s are: a module that needs `Directory` or `traits` does not pay for both
CRMs' SDKs (~0.5 s of imports), which only the code that talks to a CRM loads.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

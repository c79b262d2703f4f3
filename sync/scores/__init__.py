"""The scores wing: the store read into scoring's frames, money converted with the stored rates, the portfolio
scored (stored only by a job run), and read-only views of the latest scores.

Its names load on first use (SPEC 1's `lazy_loader`, from the stub `__init__.pyi` beside this file).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

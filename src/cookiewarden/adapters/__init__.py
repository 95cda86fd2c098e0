"""The adapters: bytes in, bytes out, no policy.

Owns: the ASGI middleware (``asgi``: :class:`CookieWarden`), the WSGI middleware (``wsgi``:
:class:`CookieWardenWSGI`) and the tags they add to HTML pages (``inject``). Each reads the
request facts, calls the engine, and writes back what it returns, so both behave alike by
construction.

May import: everything below it — :mod:`cookiewarden.errors`, :mod:`cookiewarden.rules`,
:mod:`cookiewarden.records`, :mod:`cookiewarden.engine`, :mod:`cookiewarden.web`.
"""

"""The engine: one request's work, the same for both adapters.

Owns: the options checked at start-up (``options``), the request side (``reading``: a
``Cookie`` header → consent, what the app sees, what to clear), consent adopted from other
banners (``adopted``), the site's hooks (``hooks``), the judge and its caches (``judging``,
``cache``), the response side (``responding``: what leaves), issuing the consent cookie and its
record (``issuing``), the bookkeeping (``bookkeeping``: counts, log lines, the record hand-off)
and :class:`Engine` itself (``core``), which ties them together.

May import: :mod:`cookiewarden.errors`, :mod:`cookiewarden.rules`, :mod:`cookiewarden.records`.
Never a framework, a ``scope`` or an ``environ``.
"""

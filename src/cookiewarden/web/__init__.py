"""What the middleware serves itself, under ``consent_path``: the consent API, the cookie
declaration, and the page's assets (banner, guard).

Owns: the consent API as sans-I/O request → response (``endpoints``, over the plain values of
``messages``), the assets and how caches keep them (``assets``: the banner, the guard with its
rules and the visitor's state), the published declaration in each format (``declaration``),
the tags a page carries (``page``), and the static files (``static/``).

May import: :mod:`cookiewarden.errors`, :mod:`cookiewarden.rules`, :mod:`cookiewarden.records`,
:mod:`cookiewarden.engine`.
"""

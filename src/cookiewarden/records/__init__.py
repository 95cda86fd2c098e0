"""Proof of consent: the record of each choice and where it is kept.

Owns: :class:`ConsentRecord` and :func:`subject_hash` (``record``), the sink interface and the
factory that picks a sink for a URL (``sink``: :class:`RecordSink`, :func:`open_sink`), and the
two stores (``sqlite``: :class:`SQLiteSink`; ``postgres``: :class:`PostgresSink`, needs the
``postgres`` extra). Neither store imports the other.

May import: :mod:`cookiewarden.errors` and :mod:`cookiewarden.rules`.
"""

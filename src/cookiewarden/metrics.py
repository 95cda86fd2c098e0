"""Counters for operators: :func:`stats` and the Prometheus text exposition of them.

Contract: :func:`find_engine` finds the :class:`~cookiewarden.engine.core.Engine` inside a wrapped
app; :func:`prometheus_text` renders its counts in the Prometheus text exposition format 0.0.4,
with no dependency (serve it from any route, with the content type :data:`CONTENT_TYPE`).

Rules:
1. One metric, ``cookiewarden_decisions_total``, a counter labelled ``action``, ``reason`` and
   ``category`` — the keys of :meth:`Engine.stats <cookiewarden.engine.core.Engine.stats>`: every
   Set-Cookie decision (``keep``/``rewrite``/``drop``), every refused cookie expired
   (``clear``), every consent cookie rejected (``consent``), every choice recorded
   (``record``) and every ``on_decision`` refusal or error (``hook``). ``category`` is ``-``
   where none applies.
2. Label values are escaped as the format requires (``\\`` → ``\\\\``, ``"`` → ``\\"``, newline
   → ``\\n``); series are sorted, so the output is stable.
3. Reading counts takes the engine's lock once; nothing here changes them.
"""

from __future__ import annotations

from .engine.core import Engine

__all__ = ["CONTENT_TYPE", "METRIC", "find_engine", "prometheus_text", "stats"]

METRIC = "cookiewarden_decisions_total"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The ``Content-Type`` of :func:`prometheus_text`'s answer."""

_HELP = (
    "Set-Cookie decisions and consent events of cookiewarden,"
    " by action, reason and category, since start."
)


def find_engine(app: object) -> Engine:
    """The engine of ``app``: an :class:`Engine`, a :class:`~cookiewarden.CookieWarden` or
    :class:`~cookiewarden.CookieWardenWSGI`, or an app whose middleware stack holds one
    (Starlette's ``app.middleware_stack`` and any chain of ``.app`` attributes are searched).

    :raises TypeError: there is no cookiewarden middleware in ``app``.
    """
    seen: set[int] = set()
    node: object | None = app
    while node is not None and id(node) not in seen:
        if isinstance(node, Engine):
            return node
        seen.add(id(node))
        engine = getattr(node, "engine", None)
        if isinstance(engine, Engine):
            return engine
        node = getattr(node, "middleware_stack", None) or getattr(node, "app", None)
    raise TypeError("no cookiewarden middleware found in this app")


def stats(app: object) -> dict[tuple[str, str, str], int]:
    """Counts per (action, reason, category) since start, for a wrapped app (see
    :func:`find_engine`)."""
    return find_engine(app).stats()


def _label(value: str) -> str:
    """A label value escaped for the text format (rule 2)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_text(app_or_engine: object) -> str:
    """The counts of ``app_or_engine`` in the Prometheus text exposition format 0.0.4.

    :param app_or_engine: an :class:`Engine`, or an app that holds cookiewarden (see
        :func:`find_engine`).
    :raises TypeError: there is no cookiewarden middleware in it.

    Serve it with the content type :data:`CONTENT_TYPE`, e.g. in Starlette::

        async def metrics(request):
            return Response(prometheus_text(app), media_type=CONTENT_TYPE)

    and in Flask::

        @app.get("/metrics")
        def metrics():
            return prometheus_text(app.wsgi_app), 200, {"Content-Type": CONTENT_TYPE}
    """
    counts = find_engine(app_or_engine).stats()
    lines = [f"# HELP {METRIC} {_HELP}", f"# TYPE {METRIC} counter"]
    for (action, reason, category), count in sorted(counts.items()):
        labels = (
            f'action="{_label(action)}",reason="{_label(reason)}",category="{_label(category)}"'
        )
        lines.append(f"{METRIC}{{{labels}}} {count}")
    return "\n".join(lines) + "\n"

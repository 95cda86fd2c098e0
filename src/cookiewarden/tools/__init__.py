"""The ``cookiewarden`` command and what it runs: the CLI (``cli``: the parser and ``main``; its
subcommands in ``commands`` and ``records_commands``), the audit (``audit``), the demo site
(``demo``), the consent report's text and HTML forms (``report``, ``report_html``, with the
vendored uPlot in ``vendor/``), one sentence per decision (``explain``) and an in-process
client (``inprocess``).

May import: anything of the package. Nothing below imports a tool.
"""

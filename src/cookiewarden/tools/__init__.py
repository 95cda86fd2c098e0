"""The ``cookiewarden`` command and what it runs: the CLI (``cli``: the parser and ``main``; its
subcommands in ``commands``, ``records_commands`` and ``scan_commands``), the audit
(``audit``), the scan of a live site in a real browser (``scan``), the demo site (``demo``),
the consent report's text and HTML forms (``report``, ``report_html``, with the vendored uPlot
in ``vendor/``), one sentence per decision (``explain``), an in-process client
(``inprocess``) and the framework commands' delegation (``delegate``).

May import: anything of the package. Nothing below imports a tool.
"""

"""``cookiewarden scan``: prove a live site obeys its policy, in a real browser, in every
consent state.

Owns: the observations of a scan (``model``), the browser and its parallel contexts
(``browser``), one consent state's procedure in the real banner (``states``), what a context
tells (``observe``), the judgement against the policy (``findings``), the Open Cookie Database
shipped in ``data/`` (``cookiedb``) and the policy entries suggested from it (``suggest``), and
the reports (``report_json``, ``report_text``, ``report_html``).

Rules:
1. Observing and judging are apart: ``findings`` is pure, over plain observation values, so
   every finding is testable without a browser.
2. Playwright (the optional ``scan`` extra) is imported only while a scan runs.

May import: the package's ``errors`` and ``rules``; Playwright, only while a scan runs. Never
another tool (the command line, :mod:`cookiewarden.tools.scan_commands`, imports it).
"""

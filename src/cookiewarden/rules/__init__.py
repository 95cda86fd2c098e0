"""The rules: sans-I/O facts of the browser and of the policy.

Owns: how a browser parses ``Set-Cookie`` and ``Cookie`` headers and their dates (RFC 6265bis
as Chromium applies it), domains and the public suffix list, durations, the policy file and its
lookups (and its translations, ``[locales.<tag>]``), language tags and negotiation, the words
cookiewarden itself shows on a page, the visitor's consent and its signed codec, the per-cookie
decision and hardening.
Everything here is a pure function over strings and frozen values: no I/O, no clock of its own
(time is passed in), no framework.

May import: :mod:`cookiewarden.errors` only — nothing else of the package.
"""

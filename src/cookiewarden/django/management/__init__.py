"""Django's management commands of the app (``commands``).

May import: :mod:`cookiewarden.django` and anything it may import.
"""

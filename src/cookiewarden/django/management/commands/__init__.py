"""``manage.py cookiewarden`` (``cookiewarden``).

May import: :mod:`cookiewarden.django` and anything it may import.
"""

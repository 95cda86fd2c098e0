"""Django's template tag libraries of the app: ``{% load cookiewarden %}`` (``cookiewarden``).

May import: :mod:`cookiewarden.django` and anything it may import.
"""

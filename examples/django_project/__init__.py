"""A minimal Django project wrapped by cookiewarden (see ``asgi.py`` and ``wsgi.py``)."""

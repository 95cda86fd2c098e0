"""Integration tests: cookiewarden wrapped around raw ASGI/WSGI apps and each framework."""

"""URLs of the example project. The consent API under ``/_consent`` is served by cookiewarden
itself, before Django sees the request."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home),
    path("whoami", views.whoami),
]

#!/usr/bin/env python
"""Django's command-line utility for the example project::

    python examples/django_project/manage.py runserver

``runserver`` serves ``wsgi.application``, the project wrapped by cookiewarden.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    # The project is the package `examples.django_project`: make the repository root importable
    # wherever this script is started from.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

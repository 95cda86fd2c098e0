#!/usr/bin/env python3
"""Refresh the Open Cookie Database that ``cookiewarden scan --suggest`` ships with.

    python scripts/refresh_open_cookie_database.py                 # the newest commit on GitHub
    python scripts/refresh_open_cookie_database.py --ref COMMIT    # a given commit, tag or branch
    python scripts/refresh_open_cookie_database.py --git-dir DIR   # offline, from a clone's .git

It copies ``open-cookie-database.csv`` and ``LICENSE`` unchanged from
github.com/jkwakman/Open-Cookie-Database (Apache-2.0) into
``src/cookiewarden/tools/scan/data/``, checks the CSV with the loader the scanner uses (its
header, its categories), and rewrites ``data/README.md`` with the commit, the date, the number of
entries and both files' sha256 (``tests/tools/scan/test_cookiedb.py`` checks them). ``NOTICE``
stays as it is. Then run ``pytest tests/tools/scan``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "cookiewarden" / "tools" / "scan" / "data"
REPO = "jkwakman/Open-Cookie-Database"
FILES = ("open-cookie-database.csv", "LICENSE")

README = """# The Open Cookie Database, as shipped

`cookiewarden scan --suggest` and `cookiewarden init --from-scan` describe the cookies and
storage keys a scan finds with the [Open Cookie Database](https://github.com/{repo}) by Jack
Kwakman and its contributors, licensed under the Apache License 2.0 (`LICENSE`, the
repository's own; the attribution is in `NOTICE`).

| file | what | sha256 |
| --- | --- | --- |
| `open-cookie-database.csv` | the database, unchanged: {entries} entries | `{csv_hash}` |
| `LICENSE` | its licence, unchanged | `{license_hash}` |

- Source: https://github.com/{repo}, commit `{commit}` ({date}).
- Read by `cookiewarden/tools/scan/cookiedb.py` (wildcard entries match as globs; its
  categories map onto a policy's).

## Refresh

```sh
python scripts/refresh_open_cookie_database.py                 # the newest commit on GitHub
python scripts/refresh_open_cookie_database.py --ref COMMIT    # a given commit, tag or branch
python scripts/refresh_open_cookie_database.py --git-dir DIR   # offline, from a clone's .git
pytest tests/tools/scan                                        # checks the hashes above
```

The script checks the CSV with the scanner's own loader before it writes anything, copies both
files unchanged and writes this README.
"""


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "cookiewarden-refresh"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body: bytes = response.read()
        return body


def from_github(ref: str) -> tuple[str, str, dict[str, bytes]]:
    """The commit ``ref`` names, its date, and the files, from GitHub."""
    info = json.loads(_get(f"https://api.github.com/repos/{REPO}/commits/{ref}"))
    commit, date = info["sha"], info["commit"]["committer"]["date"]
    files = {n: _get(f"https://raw.githubusercontent.com/{REPO}/{commit}/{n}") for n in FILES}
    return commit, date, files


def from_git(git_dir: str, ref: str) -> tuple[str, str, dict[str, bytes]]:
    """The same, from a local clone (``git --git-dir DIR``)."""

    def git(*args: str) -> bytes:
        return subprocess.run(
            ["git", "--git-dir", git_dir, *args], check=True, capture_output=True
        ).stdout

    commit = git("rev-parse", ref).decode().strip()
    date = git("log", "-1", "--format=%cI", commit).decode().strip()
    return commit, date, {n: git("show", f"{commit}:{n}") for n in FILES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="commit, tag or branch (default: newest)")
    parser.add_argument("--git-dir", help="read from this clone's git directory, not GitHub")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from cookiewarden.tools.scan.cookiedb import read_database

    if args.git_dir:
        commit, date, files = from_git(args.git_dir, args.ref)
    else:
        commit, date, files = from_github("HEAD" if args.ref == "HEAD" else args.ref)
    database = read_database(files["open-cookie-database.csv"].decode("utf-8"))
    for name, body in files.items():
        (DATA / name).write_bytes(body)
    (DATA / "README.md").write_text(
        README.format(
            repo=REPO,
            entries=len(database),
            csv_hash=hashlib.sha256(files["open-cookie-database.csv"]).hexdigest(),
            license_hash=hashlib.sha256(files["LICENSE"]).hexdigest(),
            commit=commit,
            date=date,
        ),
        encoding="utf-8",
    )
    print(f"Open Cookie Database {commit[:12]} ({date}): {len(database)} entries -> {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

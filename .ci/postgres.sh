#!/usr/bin/env bash
# Make sure a PostgreSQL server is installed for the Postgres tests (tests/test_records.py).
#
# The tests start their own throw-away server from /usr/lib/postgresql/<version>/bin (initdb,
# pg_ctl); this script only installs Debian's `postgresql` package when no initdb is found
# there. No cluster is created or started: the package's default "main" cluster is switched
# off before installing, so nothing listens on port 5432 afterwards.
# Under CI=true a missing server makes the Postgres tests fail instead of skip.
set -euo pipefail

find_initdb() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1
}

if initdb=$(find_initdb) && [ -n "$initdb" ]; then
    echo "postgres.sh: found $initdb"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    "${sudo[@]}" mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null

if initdb=$(find_initdb) && [ -n "$initdb" ]; then
    echo "postgres.sh: installed $initdb"
else
    echo "postgres.sh: postgresql installed but no initdb under /usr/lib/postgresql" >&2
    exit 1
fi

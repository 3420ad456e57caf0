#!/usr/bin/env bash
# What the Orleans Dashboard costs an idle silo nobody watches: one silo (a one-node replica set, as shipped: TLS,
# SQLite state) per variant, idle for a warm-up, then its process's CPU time over a window: the dashboard off (the
# peer), on as shipped (counters sampled every Silo:DashboardSampleSeconds, 10 s), and on with counters every second
# (Orleans' default interval). Prints each as a share of one core, and the points each adds over off.
#   bench/dashboard-idle.sh [SECONDS measured (60)] [WARM-UP seconds (15)]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build silo/OrleansRepl.Silo -c Release -v quiet -nologo >/dev/null
exec dotnet silo/OrleansRepl.Silo/bin/Release/net10.0/orepl-silo.dll idle-bench --seconds "${1:-60}" --warm-up "${2:-15}"

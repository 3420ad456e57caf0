#!/usr/bin/env bash
# The chaos run: a 3-node replica set on loopback (embedded SQLite state) under a steady write load, through
# CYCLES SIGKILLs of a random follower at a random moment: while following, mid-bootstrap (a restore of its
# store) or mid-anti-entropy; each time it is restarted and must serve again. At the end every acknowledged write
# must read back from the leader, every node's shards must end at the leader's LSNs with its store root, and no
# partial file may be left. Prints cycles, acknowledged writes, lost, duplicated, partial files and the time;
# exits 1 on any loss, keeping the work directory for inspection.
#   bench/chaos.sh [CYCLES (100)] [SEED (1)]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build silo/OrleansRepl.Silo -c Release -v quiet -nologo >/dev/null
exec dotnet silo/OrleansRepl.Silo/bin/Release/net10.0/orepl-silo.dll chaos --cycles "${1:-100}" --seed "${2:-1}"

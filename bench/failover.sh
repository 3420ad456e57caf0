#!/usr/bin/env bash
# Acknowledged writes, follower lag and failover on a 3-node replica set on loopback, as shipped (TLS, embedded
# SQLite state, fsync=always), in one run:
#   - single-key writes from concurrent writers at acks=leader, acks=1 and acks=2: writes/s, p50 and p99 latency;
#   - a steady rate of batched writes: each follower's lag from the leader's commit to its ack (p50, p99; goal p99 <= 5 ms),
#     beside what the machine costs in the same seconds: a 1 ms sleep's late wake-up and a 4 KiB fsync (p50, p99, max);
#   - the leader's silo SIGKILLed under acks=1 writes: the longest pause between two acknowledged writes (goal: under
#     the lease and 2 s), every acknowledged write read back; first a leader away from the replica set grain's
#     silo, then a leader promoted on the grain's silo (the grain moves to a follower's silo first; how long that
#     took is printed).
# Exits 1 if an acknowledged write is lost.
#   bench/failover.sh [SECONDS per phase (10)] [RATE records/s (100000)] [LEASE ms (5000)]
# For experiments, more silo settings go after them, as orepl-silo failover-bench takes them:
#   bench/failover.sh 10 30000 5000 --set Replication:Fsync=interval --set Silo:Dashboard=false
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build silo/OrleansRepl.Silo -c Release -v quiet -nologo >/dev/null
exec dotnet silo/OrleansRepl.Silo/bin/Release/net10.0/orepl-silo.dll failover-bench --seconds "${1:-10}" --rate "${2:-100000}" --lease-ms "${3:-5000}" "${@:4}"

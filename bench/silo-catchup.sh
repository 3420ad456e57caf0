#!/usr/bin/env bash
# Catch-up of a fresh follower through the silo (cursors in ShardGrains) against the standalone
# `orepl follow` (cursors in files), in the same run, from the same `orepl feed` over loopback:
# COUNT records on 4 shards (16 B keys, 100 B values, fsync=interval). Runs alternate standalone and
# silo (which goes first alternates), RUNS of each; every follower's store root is checked against the leader's. Both are measured
# from the follower starting to every shard caught up, as each reports it:
#   standalone: `orepl follow --until-caught-up` ("caught up: … in S s");
#   silo:       the slowest shard's "caught up with leader: N records applied in S s" log line, the
#               silo a fresh process per run (SQLite grain state), told to follow by `orepl add-node`.
# Prints the medians and silo/standalone (the target: within 5%, i.e. a ratio of at least 0.95).
#
#   bench/silo-catchup.sh [COUNT] [RUNS]      defaults: 1000000 records, 9 runs
#   SILO_ARGS="--Silo:Dashboard=false" SILO_ENV="DOTNET_GCgen0size=0x8000000" bench/silo-catchup.sh
#                                             extra silo settings and environment, for experiments
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

count=${1:-1000000}
runs=${2:-9}
whole_number COUNT "$count"
whole_number RUNS "$runs"

work=$(mktemp -d)
feeder= silo=
cleanup() {
  [[ -n $silo ]] && kill -TERM "$silo" 2>/dev/null
  [[ -n $feeder ]] && kill -TERM "$feeder" 2>/dev/null
  wait 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
source bench/orepl-as-shipped.sh "$work"
publish_silo "$work/silo"
new_secrets "$work/secret" "$work/token"
new_tls "$work" leader follower client
echo "transport: $(transport)"

leader="$work/leader"
"$orepl" store load --dir "$leader" --count "$count" --shards 4 --fsync interval >/dev/null
leader_root=$("$orepl" store root --dir "$leader")
port=$(free_port)
"$orepl" feed --dir "$leader" --listen "127.0.0.1:$port" --secret-file "$work/secret" $(tls_for "$work" leader) --node leader >/dev/null &
feeder=$!
wait_port "$port"

check_root() {
  local root; root=$("$orepl" store root --dir "$1")
  [[ $root == "$leader_root" ]] || { echo "$2: root $root differs from the leader's $leader_root" >&2; exit 1; }
}

: > "$work/standalone" && : > "$work/silo-times"
standalone_run() {
  local follower="$work/standalone-$1"
  "$orepl" follow --dir "$follower" --leader "127.0.0.1:$port" --secret-file "$work/secret" $(tls_for "$work" follower) --until-caught-up \
    | awk '/^caught up:/ { print $7 }' >> "$work/standalone"
  check_root "$follower" "standalone run $1"
  rm -rf "$follower"
}

silo_run() {
  local run_dir="$work/silo-$1" silo_port gateway http replication
  mkdir -p "$run_dir"
  silo_port=$(free_port); gateway=$(free_port); http=$(free_port); replication=$(free_port)
  env ${SILO_ENV:-} "$work/silo/orepl-silo" ${SILO_ARGS:-} --Silo:NodeId=follower --Silo:SiloPort="$silo_port" --Silo:GatewayPort="$gateway" --Silo:HttpPort="$http" \
    --Silo:ReplicationPort="$replication" --Silo:TokenFile="$work/token" --Silo:SqlitePath="$run_dir/cluster.db" \
    --Replication:DataDirectory="$run_dir" --Replication:SecretFile="$work/secret" --Replication:Fsync=interval $(silo_tls_for "$work" follower) \
    > "$run_dir/silo.log" 2>&1 &
  silo=$!
  local cluster=(--gateway "127.0.0.1:$gateway" --token-file "$work/token" $(tls_for "$work" client))
  for _ in $(seq 1 200); do "$orepl" add-node --node leader --address "127.0.0.1:$port" --shards 4 "${cluster[@]}" >/dev/null 2>&1 && break; sleep 0.1; done
  "$orepl" add-node --node follower "${cluster[@]}" >/dev/null
  for _ in $(seq 1 1200); do
    (($(grep -c "caught up with leader" "$run_dir/silo.log") == 4)) && break
    sleep 0.05
  done
  (($(grep -c "caught up with leader" "$run_dir/silo.log") == 4)) || { echo "silo run $1 did not catch up; see its log" >&2; tail -20 "$run_dir/silo.log" >&2; exit 1; }
  kill -TERM "$silo"; wait "$silo" || true; silo=
  check_root "$run_dir/store" "silo run $1"
  grep "caught up with leader" "$run_dir/silo.log" | sed -E 's/.* in ([0-9.]+) s.*/\1/' | sort -g | tail -1 >> "$work/silo-times"
  rm -rf "$run_dir"
}

# Alternate which goes first, so neither always runs on a warmer machine.
for run in $(seq 1 "$runs"); do
  if ((run % 2)); then standalone_run "$run"; silo_run "$run"; else silo_run "$run"; standalone_run "$run"; fi
done

awk -v s="$(median < "$work/standalone")" -v g="$(median < "$work/silo-times")" -v runs="$runs" -v records="$count" 'BEGIN {
  printf "4 shards, %d records, median of %d runs each, every root equal to the leader'\''s:\n", records, runs
  printf "  standalone orepl follow (file cursors):  %.3f s, %.0f records/s\n", s, records / s
  printf "  silo follower (ShardGrain cursors):      %.3f s, %.0f records/s\n", g, records / g
  printf "  silo / standalone throughput: %.3f (target >= 0.95)\n", s / g
}'
echo "standalone runs: $(tr '\n' ' ' < "$work/standalone")"
echo "silo runs:       $(tr '\n' ' ' < "$work/silo-times")"

#!/usr/bin/env bash
# Catch-up of a fresh follower over loopback: COUNT records (16 B keys, 100 B values, fsync=interval),
# on 1 shard and on 4 shards, through `orepl feed` and `orepl follow --until-caught-up` in separate
# processes. Prints time, records/s and MB/s, and checks that the two store roots are equal.
#
#   bench/catchup.sh [COUNT]      default 1000000
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-1000000}
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "COUNT must be a positive whole number, got '$count'" >&2; exit 2; }

dotnet build src/OrleansRepl.Cli -c Release -v quiet -nologo >/dev/null
orepl=src/OrleansRepl.Cli/bin/Release/net10.0/orepl
work=$(mktemp -d)
feeder=
cleanup() { [[ -n $feeder ]] && kill -TERM "$feeder" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
head -c 48 /dev/urandom | base64 > "$work/secret"

port=$((20000 + RANDOM % 20000))
for shards in 1 4; do
  leader="$work/leader-$shards"
  follower="$work/follower-$shards"
  "$orepl" store load --dir "$leader" --count "$count" --shards "$shards" --fsync interval >/dev/null
  "$orepl" feed --dir "$leader" --listen "127.0.0.1:$port" --secret-file "$work/secret" >/dev/null &
  feeder=$!
  for _ in $(seq 1 50); do grep -q ":$port " <(ss -ltn 2>/dev/null) && break; sleep 0.1; done

  start=$(date +%s.%N)
  "$orepl" follow --dir "$follower" --shards "$shards" --leader "127.0.0.1:$port" --secret-file "$work/secret" --until-caught-up >/dev/null
  end=$(date +%s.%N)

  kill -TERM "$feeder"; wait "$feeder" || true; feeder=
  leader_root=$("$orepl" store root --dir "$leader")
  follower_root=$("$orepl" store root --dir "$follower")
  [[ $leader_root == "$follower_root" ]] || { echo "roots differ on $shards shard(s): leader $leader_root, follower $follower_root" >&2; exit 1; }
  awk -v n="$count" -v s="$start" -v e="$end" -v shards="$shards" 'BEGIN {
    t = e - s; printf "%d shard(s): %d records in %.2f s: %.0f records/s, %.1f MB/s of keys and values (roots equal)\n", shards, n, t, n / t, n * 116 / 1e6 / t
  }'
  port=$((port + 1))
done

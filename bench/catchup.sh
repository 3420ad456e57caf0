#!/usr/bin/env bash
# Catch-up of a fresh follower over loopback: COUNT records (16 B keys, 100 B values, fsync=interval),
# on 1 shard and on 4 shards, through `orepl feed` and `orepl follow --until-caught-up` in separate
# processes on this machine (they share its cores). RUNS fresh followers per shard count; each run's
# store root is checked against the leader's. Prints, per shard count, the median of:
#   catch-up: from the follower's first connection to every shard caught up (as `orepl follow` reports it);
#   wall:     the whole `orepl follow` process, start-up and store creation included.
# orepl is measured as it ships (see bench/orepl-as-shipped.sh; OREPL=path measures another build).
#
#   bench/catchup.sh [COUNT] [RUNS]      defaults: 1000000 records, 3 runs; TLS on (PLAINTEXT=1: off)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

count=${1:-1000000}
runs=${2:-3}
whole_number COUNT "$count"
whole_number RUNS "$runs"

work=$(mktemp -d)
feeder=
cleanup() { [[ -n $feeder ]] && kill -TERM "$feeder" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
source bench/orepl-as-shipped.sh "$work"
new_secrets "$work/secret"
new_tls "$work" leader follower
echo "transport: $(transport)"

port=$((20000 + RANDOM % 20000))
for shards in 1 4; do
  leader="$work/leader-$shards"
  "$orepl" store load --dir "$leader" --count "$count" --shards "$shards" --fsync interval >/dev/null
  leader_root=$("$orepl" store root --dir "$leader")
  "$orepl" feed --dir "$leader" --listen "127.0.0.1:$port" --secret-file "$work/secret" $(tls_for "$work" leader) >/dev/null &
  feeder=$!
  wait_port "$port"

  : > "$work/catchup" && : > "$work/wall"
  for run in $(seq 1 "$runs"); do
    follower="$work/follower-$shards-$run"
    start=$(date +%s.%N)
    report=$("$orepl" follow --dir "$follower" --leader "127.0.0.1:$port" --secret-file "$work/secret" $(tls_for "$work" follower) --until-caught-up | grep "^caught up:")
    end=$(date +%s.%N)
    follower_root=$("$orepl" store root --dir "$follower")
    [[ $leader_root == "$follower_root" ]] || { echo "roots differ on $shards shard(s), run $run: leader $leader_root, follower $follower_root" >&2; exit 1; }
    # "caught up: N records applied in S s: R records/s"
    applied=$(awk '{ print $3 }' <<< "$report")
    awk '{ print $7 }' <<< "$report" >> "$work/catchup"
    awk -v s="$start" -v e="$end" 'BEGIN { print e - s }' >> "$work/wall"
    rm -rf "$follower"
  done

  kill -TERM "$feeder"; wait "$feeder" || true; feeder=
  awk -v n="$applied" -v c="$(median < "$work/catchup")" -v w="$(median < "$work/wall")" -v shards="$shards" -v runs="$runs" -v records="$count" 'BEGIN {
    printf "%d shard(s), %d records (%d applied incl. seals), median of %d runs, roots equal:\n", shards, records, n, runs
    printf "  catch-up %.2f s: %.0f records/s, %.1f MB/s of keys and values\n", c, records / c, records * 116 / 1e6 / c
    printf "  wall     %.2f s: %.0f records/s, %.1f MB/s (process start-up included)\n", w, records / w, records * 116 / 1e6 / w
  }'
  port=$((port + 1))
done

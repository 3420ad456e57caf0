#!/usr/bin/env bash
# BLAKE3 throughput of `orepl hash` against the reference `b3sum --num-threads 1`, on one file,
# runs interleaved so both see the same machine state. Prints both medians and the throughput ratio.
#
# orepl is measured as it ships (see bench/orepl-as-shipped.sh; OREPL=path measures another build).
#
#   bench/hash-vs-b3sum.sh [SIZE_MIB] [RUNS]      defaults: 1024 MiB, 5 runs each
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

size_mib=${1:-1024}
runs=${2:-5}
whole_number SIZE_MIB "$size_mib"
whole_number RUNS "$runs"
command -v b3sum >/dev/null || { echo "b3sum is not installed (apt-get install b3sum)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source bench/orepl-as-shipped.sh "$work"
file="$work/input.bin"
echo "writing ${size_mib} MiB of random data to $file"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$file"
cat "$file" > /dev/null # into the page cache, so both tools hash from memory

reference=$(b3sum --num-threads 1 --no-names "$file")
ours=$("$orepl" hash "$file" | cut -d' ' -f1)
[[ "$reference" == "$ours" ]] || { echo "hashes differ: b3sum $reference, orepl $ours" >&2; exit 1; }

seconds() { # wall-clock seconds of one run of the command given
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }'
}

b3sum_times=()
orepl_times=()
for ((i = 1; i <= runs; i++)); do
  b3sum_times+=("$(seconds b3sum --num-threads 1 "$file")")
  orepl_times+=("$(seconds "$orepl" hash "$file")")
  printf 'run %d: b3sum %.3f s   orepl %.3f s\n' "$i" "${b3sum_times[-1]}" "${orepl_times[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
b3sum_median=$(median "${b3sum_times[@]}")
orepl_median=$(median "${orepl_times[@]}")
awk -v mib="$size_mib" -v b="$b3sum_median" -v o="$orepl_median" 'BEGIN {
  printf "b3sum --num-threads 1  median %.3f s  %.2f GiB/s\n", b, mib / 1024 / b
  printf "orepl hash             median %.3f s  %.2f GiB/s\n", o, mib / 1024 / o
  printf "ratio (orepl throughput / b3sum throughput): %.2f\n", b / o
}'

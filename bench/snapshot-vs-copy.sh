#!/usr/bin/env bash
# Snapshot bootstrap against a raw copy of the same bytes, in the same run, over loopback:
#   raw copy:        a client process connects to a server holding the store's files, receives their bytes
#                    (sendfile on the server), writes them to one file and fsyncs it: the floor for moving the bytes.
#                    Over TLS like the rest (the default; PLAINTEXT=1 runs everything without): the same CA and
#                    certificates, both checked, through Python's ssl (OpenSSL), 1 MiB reads instead of sendfile.
#   snapshot pull:   `orepl snapshot pull` from an `orepl feed` of the store (pin, transfer, verify every segment's
#                    BLAKE3 and every record, install): the whole process, start to exit.
#   silo bootstrap:  `orepl bootstrap` of a silo node from the same feed, timed by the silo from the request to the
#                    node serving again with the store open (the command's own wall time is printed beside it).
# The store: COUNT records of 16 B keys and 1,000 B values on 4 shards, sealed (1M records: about 1 GB). Runs
# alternate raw, pull, silo (which goes first rotates), RUNS of each; every installed root is checked against the
# source's. Prints the medians, pull/raw and silo/raw (goal: at least 0.8 each), and where the time went: the
# transfer and how much of it the receiver spent waiting for the source's next piece (the source reading the store,
# framing and the network), and beside it the receiver's writing, hashing, record decoding (the index pass) and fsync;
# the source's own reading time; the silo's store open after the install.
#
#   bench/snapshot-vs-copy.sh [COUNT] [RUNS]      defaults: 1000000 records, 3 runs; TLS on (PLAINTEXT=1: off)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

count=${1:-1000000}
runs=${2:-3}
whole_number COUNT "$count"
whole_number RUNS "$runs"

work=$(mktemp -d)
feeder= silo= raw_server=
cleanup() {
  for pid in $silo $feeder $raw_server; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
source bench/orepl-as-shipped.sh "$work"
publish_silo "$work/silo"
new_secrets "$work/secret" "$work/token"
new_tls "$work" leader target replica client
echo "transport: $(transport)"
now() { date +%s.%N; }

# The raw copy's two ends. The server sends every file it was given, in order, to each client: with sendfile in
# plaintext; over TLS (the same CA and mutual certificates as the nodes, through OpenSSL) in 1 MiB reads, since TLS
# cannot use sendfile. Its first argument is the port, its second the TLS directory or "-" for plaintext.
cat > "$work/raw-server.py" <<'PY'
import socket, ssl, sys
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
tls = None
if sys.argv[2] != "-":
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[2] + "/node.crt", sys.argv[2] + "/node.key")
    tls.load_verify_locations(sys.argv[2] + "/ca.crt")
    tls.verify_mode = ssl.CERT_REQUIRED
while True:
    connection, _ = server.accept()
    if tls is not None:
        connection = tls.wrap_socket(connection, server_side=True)
    with connection:
        for path in sys.argv[3:]:
            with open(path, "rb") as f:
                if tls is None:
                    connection.sendfile(f)
                else:
                    while chunk := f.read(1 << 20):
                        connection.sendall(chunk)
PY
cat > "$work/raw-client.py" <<'PY'
import os, socket, ssl, sys
connection = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
if sys.argv[3] != "-":
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.load_cert_chain(sys.argv[3] + "/node.crt", sys.argv[3] + "/node.key")
    tls.load_verify_locations(sys.argv[3] + "/ca.crt")
    connection = tls.wrap_socket(connection)
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
buffer = bytearray(1 << 20)
view = memoryview(buffer)
total = 0
while (n := connection.recv_into(buffer)) > 0:
    written = 0
    while written < n:
        written += os.write(fd, view[written:n])
    total += n
os.fsync(fd)
os.close(fd)
print(total)
PY
raw_tls() { if [[ ${PLAINTEXT:-0} == 1 ]]; then echo -; else echo "$work/tls/$1"; fi; }

leader="$work/leader"
echo "loading $count records of 1000 B into $leader"
"$orepl" store load --dir "$leader" --count "$count" --value-size 1000 --shards 4 --fsync never >/dev/null
"$orepl" store seal --dir "$leader" >/dev/null
leader_root=$("$orepl" store root --dir "$leader")
mapfile -t files < <(find "$leader" -name '*.seg' -o -name 'active.log' | sort)
bytes=$(cat "${files[@]}" | wc -c)
echo "store: $(du -sb "$leader" | cut -f1) bytes, ${#files[@]} segment files holding $bytes bytes"

feed_port=$(free_port)
"$orepl" feed --dir "$leader" --listen "127.0.0.1:$feed_port" --secret-file "$work/secret" $(tls_for "$work" leader) --node leader >/dev/null 2>"$work/feed.log" &
feeder=$!
raw_port=$(free_port)
python3 "$work/raw-server.py" "$raw_port" "$(raw_tls leader)" "${files[@]}" &
raw_server=$!
wait_port "$feed_port"; wait_port "$raw_port"

silo_port=$(free_port); gateway=$(free_port); http=$(free_port); replication=$(free_port)
"$work/silo/orepl-silo" --Silo:NodeId=target --Silo:SiloPort="$silo_port" --Silo:GatewayPort="$gateway" --Silo:HttpPort="$http" \
  --Silo:ReplicationPort="$replication" --Silo:TokenFile="$work/token" --Silo:SqlitePath="$work/cluster.db" \
  --Replication:DataDirectory="$work/silo-data" --Replication:SecretFile="$work/secret" $(silo_tls_for "$work" target) > "$work/silo.log" 2>&1 &
silo=$!
cluster=(--gateway "127.0.0.1:$gateway" --token-file "$work/token" $(tls_for "$work" client))
for _ in $(seq 1 300); do "$orepl" add-node --node leader --address "127.0.0.1:$feed_port" --shards 4 "${cluster[@]}" >/dev/null 2>&1 && break; sleep 0.1; done

check_root() {
  local root; root=$("$orepl" store root --dir "$1")
  [[ $root == "$leader_root" ]] || { echo "$2: root $root differs from the source's $leader_root" >&2; exit 1; }
}

: > "$work/raw" && : > "$work/pull" && : > "$work/silo-times" && : > "$work/silo-wall"
raw_run() {
  local started received
  sync; started=$(now)
  received=$(python3 "$work/raw-client.py" "$raw_port" "$work/raw.bin" "$(raw_tls replica)")
  awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }' >> "$work/raw"
  [[ $received == "$bytes" ]] || { echo "raw run $1 received $received of $bytes bytes" >&2; exit 1; }
  rm -f "$work/raw.bin"
}

pull_run() {
  local started
  sync; started=$(now)
  "$orepl" snapshot pull --from "127.0.0.1:$feed_port" --dir "$work/pulled" --secret-file "$work/secret" $(tls_for "$work" replica) > "$work/pull-$1.out"
  awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }' >> "$work/pull"
  check_root "$work/pulled" "pull run $1"
  rm -rf "$work/pulled" "$work/pulled.bootstrap"
}

silo_run() {
  local started
  sync; started=$(now)
  "$orepl" bootstrap --node target --from leader "${cluster[@]}" > "$work/silo-$1.out"
  awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }' >> "$work/silo-wall"
  grep -oE 'serving again after [0-9.]+ s' "$work/silo-$1.out" | awk '{ print $4 }' >> "$work/silo-times"
  check_root "$work/silo-data/store" "silo run $1"
}

for run in $(seq 1 "$runs"); do
  case $((run % 3)) in
    1) raw_run "$run"; pull_run "$run"; silo_run "$run" ;;
    2) pull_run "$run"; silo_run "$run"; raw_run "$run" ;;
    0) silo_run "$run"; raw_run "$run"; pull_run "$run" ;;
  esac
done

raw=$(median < "$work/raw"); pull=$(median < "$work/pull"); boot=$(median < "$work/silo-times"); wall=$(median < "$work/silo-wall")
awk -v raw="$raw" -v pull="$pull" -v boot="$boot" -v wall="$wall" -v bytes="$bytes" -v runs="$runs" -v records="$count" -v transport="$(transport)" 'BEGIN {
  printf "%d records (%.0f MB of segment files), median of %d runs each, every root equal to the source'\''s, all over %s:\n", records, bytes / 1e6, runs, transport
  printf "  raw copy (socket to disk, fsync):      %6.3f s  %6.0f MB/s\n", raw, bytes / 1e6 / raw
  printf "  orepl snapshot pull (whole process):   %6.3f s  %6.0f MB/s   pull/raw %.2f (goal >= 0.8)\n", pull, bytes / 1e6 / pull, raw / pull
  printf "  silo bootstrap (request to serving):   %6.3f s  %6.0f MB/s   silo/raw %.2f (goal >= 0.8)\n", boot, bytes / 1e6 / boot, raw / boot
  printf "  (orepl bootstrap command wall time, client start and 0.5 s polling included: %.3f s)\n", wall
}'
echo "raw runs:   $(tr '\n' ' ' < "$work/raw")"
echo "pull runs:  $(tr '\n' ' ' < "$work/pull")"
echo "silo runs:  $(tr '\n' ' ' < "$work/silo-times")"
echo "where the time went (last run of each):"
echo "  pull: $(grep '^time:' "$work/pull-$runs.out")"
echo "  source (feed): $(grep -o 'sent snapshot.*' "$work/feed.log" | tail -1)"
echo "  silo: $(grep -oE 'bootstrapped target: .*' "$work/silo-$runs.out")"
echo "  silo's puller: $(grep -o 'installed snapshot.*' "$work/silo.log" | tail -1)"

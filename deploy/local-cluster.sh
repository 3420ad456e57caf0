#!/usr/bin/env bash
# N Orleans silos on this machine; membership and grain state in PostgreSQL.
#
#   deploy/local-cluster.sh start [N] [--throwaway-postgres] [--no-build]
#                                                               start N silos (default 3) and form a replica set
#   deploy/local-cluster.sh stop                                stop what "start" started, and nothing else
#   deploy/local-cluster.sh env                                 print the settings orepl needs (eval "$(... env)")
#
# PostgreSQL: --throwaway-postgres runs initdb in a new directory under /tmp and starts a server on a free
# loopback port (stopped and deleted by "stop"); otherwise OREPL_POSTGRES must hold a connection string.
# TLS is on: a throwaway cluster CA in $state/tls/ca issues each node's certificate and the client's (orepl tls create).
# State (pids, ports, logs, stores, secrets, certificates) lives in $OREPL_CLUSTER_DIR (default .local-cluster).
set -euo pipefail
script=$(realpath "$0")
cd "$(dirname "$script")/.."
state=${OREPL_CLUSTER_DIR:-$PWD/.local-cluster}
pg_bin=/usr/lib/postgresql/15/bin

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# orepl finds the gateways through the membership table; the connection string travels in a file, never in argv.
orepl() { dotnet "$PWD/src/OrleansRepl.Cli/bin/Release/net10.0/orepl.dll" "$@" --postgres-file "$state/postgres.connection" --cluster local --token-file "$state/api.token" --replica-set local --tls "$state/tls/client"; }

# Waits up to a minute for node $1's /health/$2 (live or ready) to answer 200 over its HTTPS port.
health() {
  local url; url="$(cat "$state/$1.http")/health/$2"
  for _ in $(seq 1 120); do
    curl -fsS --max-time 2 --cacert "$state/tls/ca/ca.crt" "$url" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

start() {
  local count=3 throwaway=0 build=1
  for argument in "$@"; do
    case $argument in
      --throwaway-postgres) throwaway=1 ;;
      --no-build) build=0 ;;
      ''|*[!0-9]*) echo "local-cluster: unknown argument $argument" >&2; exit 2 ;;
      *) count=$argument ;;
    esac
  done
  if [[ -e $state/pids ]]; then
    echo "local-cluster: $state/pids exists: a cluster is running (run stop first)" >&2; exit 1
  fi
  ((count >= 1 && count <= 16)) || { echo "local-cluster: N must be 1..16, got $count" >&2; exit 2; }

  mkdir -p "$state"
  if ((build)); then
    dotnet build silo/OrleansRepl.Silo -c Release -v quiet -nologo >/dev/null
    dotnet build src/OrleansRepl.Cli -c Release -v quiet -nologo >/dev/null
  fi
  for built in silo/OrleansRepl.Silo/bin/Release/net10.0/orepl-silo.dll src/OrleansRepl.Cli/bin/Release/net10.0/orepl.dll; do
    [[ -e $built ]] || { echo "local-cluster: $built is missing; run without --no-build" >&2; exit 1; }
  done
  umask 077
  [[ -e $state/cluster.secret ]] || head -c 48 /dev/urandom | base64 >"$state/cluster.secret"
  [[ -e $state/api.token ]] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/api.token"
  # A certificate per node and one for orepl, from a CA made on the first start (kept across restarts).
  local names=()
  [[ -e $state/tls/client ]] || names+=(client)
  for ((i = 1; i <= count; i++)); do [[ -e $state/tls/n$i ]] || names+=("n$i"); done
  if ((${#names[@]})); then
    dotnet src/OrleansRepl.Cli/bin/Release/net10.0/orepl.dll tls create --dir "$state/tls" --names "$(IFS=,; echo "${names[*]}")" --days 30 >>"$state/tls.log"
  fi

  local connection
  if ((throwaway)); then
    local port pg; port=$(free_port)
    # Its own directory under /tmp: the postgres user must reach it, whatever the state directory's mode.
    pg=$(mktemp -d /tmp/orepl-local-pg-XXXXXX)
    echo "$pg" >"$state/postgres.dir"
    [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$pg"
    as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    as_postgres "$pg_bin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 --no-sync >"$state/postgres-initdb.log"
    as_postgres "$pg_bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 \
      -o "-p $port -k $pg -c listen_addresses=127.0.0.1" start >/dev/null
    connection="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  else
    connection=${OREPL_POSTGRES:?"set OREPL_POSTGRES to a connection string, or pass --throwaway-postgres"}
  fi

  printf '%s' "$connection" >"$state/postgres.connection"

  for ((i = 1; i <= count; i++)); do
    local silo gateway http replication
    silo=$(free_port); gateway=$(free_port); http=$(free_port); replication=$(free_port)
    # The connection string (a password, perhaps) goes through the environment, not the command line that ps shows.
    OREPL_Silo__PostgresConnectionString="$connection" dotnet silo/OrleansRepl.Silo/bin/Release/net10.0/orepl-silo.dll \
      --Silo:NodeId="n$i" --Silo:SiloPort="$silo" --Silo:GatewayPort="$gateway" --Silo:HttpPort="$http" \
      --Silo:ReplicationPort="$replication" --Silo:TokenFile="$state/api.token" --Silo:Storage=postgres \
      --Replication:Cluster=local --Replication:ReplicaSet=local --Replication:DataDirectory="$state/n$i" \
      --Replication:SecretFile="$state/cluster.secret" --Tls:Directory="$state/tls/n$i" >"$state/n$i.log" 2>&1 &
    echo "$!" >>"$state/pids"
    echo "https://127.0.0.1:$http" >"$state/n$i.http"
    echo "n$i: Orleans gateway 127.0.0.1:$gateway, key-value API and dashboard https://127.0.0.1:$http/, replication 127.0.0.1:$replication (TLS), pid $!, log $state/n$i.log"
  done

  for ((i = 1; i <= count; i++)); do
    health "n$i" live || { echo "local-cluster: n$i did not answer $(cat "$state/n$i.http")/health/live within a minute (log: $state/n$i.log); run stop to clean up" >&2; exit 1; }
  done

  for ((i = 1; i <= count; i++)); do
    local added=0 said=
    for _ in $(seq 1 120); do
      if said=$(orepl add-node --node "n$i" 2>&1) || [[ $said == *"already a member"* ]]; then added=1; break; fi
      sleep 0.5
    done
    ((added)) || { echo "local-cluster: n$i was not added within a minute: $said (log: $state/n$i.log); run stop to clean up" >&2; exit 1; }
  done
  for ((i = 1; i <= count; i++)); do
    health "n$i" ready || { echo "local-cluster: n$i is not ready after a minute: $(curl -sS --cacert "$state/tls/ca/ca.crt" "$(cat "$state/n$i.http")/health/ready") (log: $state/n$i.log); run stop to clean up" >&2; exit 1; }
  done
  orepl status
  echo "TLS is on: every node's certificate and orepl's ($state/tls/client) come from the CA in $state/tls/ca"
  echo "eval \"\$($script env)\" sets OREPL_POSTGRES_FILE, OREPL_CLUSTER, OREPL_TOKEN_FILE and OREPL_TLS_DIR for orepl; $script stop ends it"
}

stop() {
  if [[ ! -e $state/pids ]]; then
    echo "local-cluster: nothing started from $state"; return 0
  fi
  # Only the processes this script started: each pid is checked to still be a silo before it is signalled. One at
  # a time, newest first (a rolling stop): each silo leaves a cluster whose other members are still up.
  while read -r pid; do
    if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' </proc/"$pid"/cmdline | grep -q 'orepl-silo.dll'; then
      kill -TERM "$pid"
      for _ in $(seq 1 60); do [[ -e /proc/$pid ]] || break; sleep 0.5; done
    fi
  done < <(tac "$state/pids")
  rm -f "$state/pids"
  if [[ -e $state/postgres.dir ]]; then
    local pg; pg=$(cat "$state/postgres.dir")
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null
    else "$pg_bin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null; fi
    rm -rf "$pg" "$state/postgres.dir" "$state/postgres.connection"
  fi
  echo "stopped; logs and stores remain in $state"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop ;;
  env) echo "export OREPL_POSTGRES_FILE=$state/postgres.connection OREPL_CLUSTER=local OREPL_TOKEN_FILE=$state/api.token OREPL_REPLICA_SET=local OREPL_TLS_DIR=$state/tls/client" ;;
  *) sed -n '2,12p' "$script" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

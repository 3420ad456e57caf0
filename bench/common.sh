# Sourced by the bench scripts: the helpers they share.

# Exits with a usage error unless $2 is a positive whole number; $1 names it.
whole_number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "$1 must be a positive whole number, got '$2'" >&2; exit 2; }; }

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# A loopback TCP port free right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits up to 10 s for something to listen on port $1.
wait_port() {
  for _ in $(seq 1 100); do grep -q ":$1 " <(ss -ltn 2>/dev/null) && return; sleep 0.1; done
  echo "nothing listens on port $1 after 10 s" >&2; exit 1
}

# Publishes the silo as it ships (Release, ReadyToRun) into $1; the binary is $1/orepl-silo.
publish_silo() {
  echo "publishing the silo (Release, ReadyToRun) to $1"
  dotnet publish silo/OrleansRepl.Silo -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$1" -v quiet -nologo >/dev/null
}

# Writes a fresh cluster secret to $1 and, with $2, a fresh client token to $2.
# Both are created readable by their owner only, as the nodes require.
new_secrets() {
  (
    umask 077
    head -c 48 /dev/urandom | base64 > "$1"
    [[ -z ${2:-} ]] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$2"
  )
}

# TLS as the processes ship with it: a throwaway CA in $1/tls issuing a directory per name ($2, ...). With
# PLAINTEXT=1 in the environment nothing is issued, and tls_for/silo_tls_for turn TLS off (what TLS costs).
new_tls() {
  local dir=$1; shift
  [[ ${PLAINTEXT:-0} == 1 ]] || "$orepl" tls create --dir "$dir/tls" --names "$(IFS=,; echo "$*")" --days 1 >/dev/null
}

# orepl's transport options for the name $2 issued under $1 by new_tls.
tls_for() { if [[ ${PLAINTEXT:-0} == 1 ]]; then echo --plaintext; else echo --tls "$1/tls/$2"; fi; }

# The silo's transport setting for the name $2 issued under $1 by new_tls.
silo_tls_for() { if [[ ${PLAINTEXT:-0} == 1 ]]; then echo --Tls:Plaintext=true; else echo "--Tls:Directory=$1/tls/$2"; fi; }

# What the transport is, for the report.
transport() { if [[ ${PLAINTEXT:-0} == 1 ]]; then echo "plaintext (PLAINTEXT=1)"; else echo "TLS (throwaway CA)"; fi; }

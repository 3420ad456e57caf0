#!/usr/bin/env bash
# The project's one test command: installs the reference tools the tests compare against, then runs every test.
# Its exit status is the test run's.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use, by the command (or file) each provides.
declare -A needed=([b3sum]=b3sum [curl]=curl [/usr/bin/chromium]=chromium [/usr/lib/postgresql/15/bin/initdb]=postgresql-15)

missing=()
for command in "${!needed[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${needed[$command]}")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test.sh: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test OrleansRepl.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test projects, in the plain form CI reads: "tests: N passed, N failed".
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") failed += $(i + 1); if ($i == "Passed:") passed += $(i + 1) }
     }
     END { printf "tests: %d passed, %d failed\n", passed, failed }' FS='[ ,]+' "$log"
exit "$status"

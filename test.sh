#!/usr/bin/env bash
# The project's one test command: installs the reference tools the tests compare against, then runs every test.
# Its exit status is the test run's.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use, by the command (or file) each provides.
declare -A needed=([b3sum]=b3sum [curl]=curl [/usr/lib/postgresql/15/bin/initdb]=postgresql-15)
# Chromium only for the browser test, which runs minutes in: it installs beside the build, and the test waits for it
# (reading this log if it never comes).
browser=/usr/bin/chromium
export OREPL_BROWSER_INSTALL_LOG=${TMPDIR:-/tmp}/orepl-chromium-install.log

missing=()
for command in "${!needed[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${needed[$command]}")
done

installing=
if ((${#missing[@]} > 0)) || [[ ! -x $browser ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    if ((${#missing[@]} > 0)); then
      echo "test.sh: installing ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if [[ ! -x $browser ]]; then
      echo "test.sh: installing chromium beside the build (log: $OREPL_BROWSER_INSTALL_LOG)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >"$OREPL_BROWSER_INSTALL_LOG" 2>&1 &
      installing=$!
    fi
  else
    echo "test.sh: missing ${missing[*]} ${browser}; install them (apt-get install ${missing[*]} chromium) or run as root" >&2
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"; [[ -n $installing ]] && wait "$installing" 2>/dev/null' EXIT
set +e
dotnet test OrleansRepl.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test projects, in the plain form CI reads: "tests: N passed, N failed".
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") failed += $(i + 1); if ($i == "Passed:") passed += $(i + 1) }
     }
     END { printf "tests: %d passed, %d failed\n", passed, failed }' FS='[ ,]+' "$log"
if ((status != 0)); then
  echo "test.sh: dotnet test exited with $status (a failed build counts no tests: look for \"error\" above)"
fi
exit "$status"

#!/usr/bin/env bash
# The seeded decoder fuzzer, long run: every decoder that reads bytes from outside (frames, each message, the
# handshake, snapshot headers and pieces, segment chunks and imports, the KV batch body, manifests, cursor and
# intent files), INPUTS mutated inputs each from SEED. Prints inputs/s, verdicts, crashes (must be 0) and what
# was applied from refused input (must be 0) per decoder; exits 1 on any finding, with the input that caused it.
#   bench/fuzz.sh [INPUTS-PER-DECODER (1000000)] [SEED (1)]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/OrleansRepl.Fuzzing -c Release -v quiet -nologo >/dev/null
exec dotnet tests/OrleansRepl.Fuzzing/bin/Release/net10.0/OrleansRepl.Fuzzing.dll "${1:-1000000}" "${2:-1}"

# Sourced by the bench scripts: sets $orepl to the orepl to measure. By default that is orepl as it
# ships, published ReadyToRun into $1, so start-up is not spent JIT-compiling the command-line parser.
# Set OREPL=path/to/orepl to measure another build, e.g. the plain `dotnet build` output
# src/OrleansRepl.Cli/bin/Release/net10.0/orepl.
if [[ -n ${OREPL:-} ]]; then
  orepl=$OREPL
else
  echo "publishing orepl (Release, ReadyToRun) to $1/orepl"
  dotnet publish src/OrleansRepl.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "$1/orepl" -v quiet -nologo >/dev/null
  orepl=$1/orepl/orepl
fi

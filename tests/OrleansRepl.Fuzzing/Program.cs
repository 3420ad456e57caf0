// The seeded decoder fuzzer, on demand (bench/fuzz.sh):
//   dotnet run -c Release --project tests/OrleansRepl.Fuzzing -- [INPUTS-PER-DECODER] [SEED]
return await OrleansRepl.Fuzzing.FuzzCommand.RunAsync(args);

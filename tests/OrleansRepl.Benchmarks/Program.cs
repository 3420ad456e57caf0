using BenchmarkDotNet.Running;
using OrleansRepl.Benchmarks;

// dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- --filter '*Crc32C*'
BenchmarkSwitcher.FromAssembly(typeof(HashingConfig).Assembly).Run(args, new HashingConfig());

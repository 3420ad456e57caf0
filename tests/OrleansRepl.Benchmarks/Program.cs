using BenchmarkDotNet.Running;
using OrleansRepl.Benchmarks;
using OrleansRepl.Benchmarks.Storage;

// Micro-benchmarks (BenchmarkDotNet):
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- --filter '*'
// Whole-system comparisons, printed as ratios against a peer measured in the same run:
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- store-vs-sqlite [COUNT] [ROUNDS]
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- anti-entropy [SEGMENTS] [DIFFERING] [ROUNDS]
// Snapshot bootstrap against a raw copy runs process against process: bench/snapshot-vs-copy.sh
if (args is ["store-vs-sqlite", .. var rest])
{
    return await StoreLoadComparison.RunAsync(rest);
}

if (args is ["anti-entropy", .. var options])
{
    return await OrleansRepl.Benchmarks.Replication.AntiEntropyComparison.RunAsync(options);
}

BenchmarkSwitcher.FromAssembly(typeof(HashingConfig).Assembly).Run(args, new HashingConfig());
return 0;

using BenchmarkDotNet.Running;
using OrleansRepl.Benchmarks;
using OrleansRepl.Benchmarks.Storage;

// Micro-benchmarks (BenchmarkDotNet):
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- --filter '*'
// Whole-system comparisons, printed as ratios against a peer measured in the same run:
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- store-vs-sqlite [COUNT] [ROUNDS]
if (args is ["store-vs-sqlite", .. var rest])
{
    return await StoreLoadComparison.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(HashingConfig).Assembly).Run(args, new HashingConfig());
return 0;

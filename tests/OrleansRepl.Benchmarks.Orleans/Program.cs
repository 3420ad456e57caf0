using OrleansRepl.Benchmarks.Orleans;

// Whole-system measurements of the control plane on Orleans 10.4.2, printed as ratios against what is needed:
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks.Orleans -- cursor-writes [SECONDS]
if (args is ["cursor-writes", .. var rest])
{
    return await CursorWriteRate.RunAsync(rest);
}

Console.Error.WriteLine("usage: cursor-writes [SECONDS]");
return 1;

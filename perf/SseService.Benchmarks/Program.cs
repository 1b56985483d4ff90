using BenchmarkDotNet.Running;

// dotnet run -c Release --project perf/SseService.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(SseService.Benchmarks.FanOutBenchmarks).Assembly).Run(args);

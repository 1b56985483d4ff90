using BenchmarkDotNet.Running;

// dotnet run -c Release --project src/SseService.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(SseService.Benchmarks.FanOutBenchmarks).Assembly).Run(args);

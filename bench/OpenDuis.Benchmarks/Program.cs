if (args is ["smi-load", .. var rest])
    return await OpenDuis.Benchmarks.Smi.SmiLoad.RunAsync(rest);
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

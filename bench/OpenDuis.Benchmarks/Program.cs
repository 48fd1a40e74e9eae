if (args is ["smi-load", .. var rest])
    return await OpenDuis.Benchmarks.Smi.SmiLoad.RunAsync(rest);
if (args is ["alloc-split", .. var traceArgs])
    return OpenDuis.Benchmarks.AllocationSplit.Run(traceArgs);
if (args is ["parse-rate", .. var rateArgs])
    return OpenDuis.Benchmarks.ParseRate.Run(rateArgs);
if (args is ["protocol-ratio", .. var ratioArgs])
    return OpenDuis.Benchmarks.ProtocolRatio.Run(ratioArgs);
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

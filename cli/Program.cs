return SemDepth.Cli.Cli.Invoke(args);

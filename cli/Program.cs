using SemDepth.Cli;
return await Commands.RunAsync(args);

// The one setup every notebook loads (#load "setup.csx"): the compiled library and the packages its
// cells use, then one library call that loads TorchSharp's natives, picks the device (CUDA when present,
// SEMDEPTH_DEVICE forces one), seeds, resolves the data root and registers the display formatters.
// Build first: dotnet build SemDepth.Lib.csproj (the main command does it).
#r "../artifacts/lib/SemDepth.Lib.dll"
#r "../artifacts/lib/TorchSharp.dll"
#r "../artifacts/lib/XPlot.Plotly.dll"
#r "../artifacts/lib/Microsoft.Data.Analysis.dll"
// (using directives here do not reach the notebook's cells: each notebook's first cell lists them)

var ws = SemDepth.Notebooks.Notebook.Setup(seed: 41);

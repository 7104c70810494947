"""Writes notebooks/04-retrieval.ipynb from the reviewable cell sources below (no outputs)."""
import json, pathlib

CELLS = [
("md", """# 04 — Retrieval: the method that won (1.22 RMSE)

**What you will learn**: why the winners did not regress depth at all, how a simulated library restyled into the
real domain plus a nearest-neighbour search returns a depth map verbatim, what the search costs exactly and
approximately, and how it compares with every method of notebooks 02 and 03 — overall and per case."""),
("code", """#load "setup.csx"
using System.IO;
using SemDepth.Data;
using SemDepth.Evaluation;
using SemDepth.Methods;
using SemDepth.Notebooks;
using SemDepth.Training;
using SemDepth.Workspace;
ws"""),
("md", """## Why retrieval
The 1st place scored 1.22 RMSE by returning, for each test image, the depth map of its nearest *simulated* image —
verbatim. The nearest *other* simulated map is about 2 RMSE away, so that score is only possible if most real holes
reuse the simulator's shapes. The synthetic set does the same (`RealLibraryShare`, 0.8 by default): most real-domain
holes are library maps exactly. The catch is the domain gap: a real SEM and the simulated SEM of the same hole do not
look alike, so the winners first restyled every simulated SEM into the real domain with the CycleGAN's `GenSimToReal`."""),
("code", """var data = SemData.Open(ws.DataRoot);
var (cgOptions, nets, cgEpoch) = CycleGanTrainer.LoadNets(Path.Combine(Paths.Runs, "cyclegan"));
Func<int, SemDepth.Models.ResnetGenerator> genSimToReal = c => nets(c).GenSimToReal;
var cases = CaseClassifierPredictor.Load(Path.Combine(Paths.Runs, "case-classifier", "checkpoint"));
$"CycleGAN of notebook 03, epoch {cgEpoch}; {data.Set.Sim.Count:N0} library maps, {data.Test.Count:N0} test queries\""""),
("md", """## The library, restyled
Each key is the mean of a map's two simulated renderings (they differ only in noise) passed through `GenSimToReal`.
Left: a real image of the case; middle: a restyled key; right: the raw simulated SEM."""),
("code", """RetrievalViews.RestyledLibrary(data, genSimToReal)"""),
("code", """var library = RetrievalLibrary.Build(data, genSimToReal, new RetrievalOptions());
var retrieval = new RetrievalPredictor("retrieval (restyled library)", library, data, cases);
$"{library.Count:N0} keys restyled and z-scored in {library.RestyleSeconds:F1} s\""""),
("md", """## Queries and the keys they found
Every query is z-scored, circularly shifted by -2..+2 px in both axes (25 shifts) and compared by cosine with every
key of the case the classifier reads; the best key's depth map is the prediction."""),
("code", """RetrievalViews.Examples(data, retrieval, genSimToReal, Enumerable.Range(0, 6).ToList())"""),
("code", """var found = retrieval.Search(data.Test, Enumerable.Range(0, data.Test.Count).ToList());
RetrievalViews.ShiftCounts(found)"""),
("code", """RetrievalViews.Similarities(data, found)"""),
("md", """## Exact and approximate search
Exact search is one matrix product per chunk of queries (25 shifts x chunk x keys floats, bounded by
`ChunkMiB`). The approximate search scores in a 64-dimensional subspace of the keys, keeps 32 candidates per query
and re-ranks them exactly; recall@1 is its agreement with the exact top-1."""),
("code", """RetrievalViews.ExactVsApproximate(data, retrieval)"""),
("md", """## Every method, one table
The methods of notebooks 02 and 03 loaded from their checkpoints, and three retrieval variants: the restyled
library with the classifier's case, the raw simulated library (no restyling), and the restyled library searched
across all cases."""),
("code", """var rawLibrary = RetrievalLibrary.Build(data, null, new RetrievalOptions { Restyle = false });
var methods = SavedMethods.Available().Where(k => k != "retrieval").Select(k => SavedMethods.Load(k, data).Predictor).ToList();
methods.Add(retrieval);
methods.Add(new RetrievalPredictor("retrieval (raw library)", rawLibrary, data, cases));
methods.Add(new RetrievalPredictor("retrieval (restyled library, all cases)", library, data, null));
var rows = methods.SelectMany(m => Evaluator.Evaluate(m, data)).ToList();
Views.EvalTable(rows)"""),
("code", """DomainShiftViews.RmseBars(rows)"""),
("code", """data.TestTruth is null ? (object)"per-case RMSE needs the synthetic set's hidden truth" : RetrievalViews.PerCase(data, methods)"""),
("md", """## What it means
- Retrieval can only be as good as its keys: compare *raw library* with *restyled library*. With the short CPU
  CycleGAN of notebook 03 the restyled keys are still far from the real style, so few queries find their exact
  library map (the *exact map found* column above); the winners trained per case for hundreds of epochs on a GPU
  (`CycleGanOptions.Full`, `semdepth train-cyclegan --full`).
- Searching all cases instead of the classifier's removes the classifier's errors but lets a deeper case's
  similar-looking map win.
- Returned maps are library maps: where the right key wins, the error is zero, not small.

Next: notebook 05 writes the submission with the method of your choice (`auto` picks the lowest site-average MAE)."""),
]


def cell(kind, src):
    lines = src.split("\n")
    source = [l + "\n" for l in lines[:-1]] + [lines[-1]]
    if kind == "md":
        return {"cell_type": "markdown", "metadata": {}, "source": source}
    return {"cell_type": "code", "execution_count": None,
            "metadata": {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"}},
            "outputs": [], "source": source}


nb = {
    "cells": [cell(k, s) for k, s in CELLS],
    "metadata": {
        "kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"},
        "language_info": {"name": "polyglot-notebook", "file_extension": ".cs", "mimetype": "text/x-csharp",
                          "pygments_lexer": "csharp", "version": "13.0"},
        "polyglot_notebook": {"kernelInfo": {"defaultKernelName": "csharp", "items": [{"aliases": [], "name": "csharp"}]}},
    },
    "nbformat": 4, "nbformat_minor": 5,
}
out = pathlib.Path(__file__).resolve().parent.parent / "04-retrieval.ipynb"
out.write_text(json.dumps(nb, indent=1) + "\n")
print(out)

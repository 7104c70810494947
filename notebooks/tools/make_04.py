"""Writes notebooks/04-retrieval.ipynb from the reviewable cell sources below (no outputs)."""
import json, pathlib

CELLS = [
("md", """# 04 — Retrieval: the method that won (1.22 RMSE)

**What you will learn**: why the winners did not regress depth at all, how a simulated library restyled into the
real domain plus a nearest-neighbour search returns a depth map verbatim, why searching in both directions of the
CycleGAN at once finds more holes than the winners' one direction, what limits it (the restyle, measured against a
perfect one), what the search costs exactly and approximately, and how it compares with every method of notebooks
02 and 03 — overall and per case."""),
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
verbatim. That score is only possible if nearly every real hole reuses a simulator's shape: a hole that is not in
the library gets a map chosen by how its rim looks, several RMSE away in depth. The synthetic set does the same
(`RealLibraryShare`, 0.97 by default; the reasoning is in `SyntheticConfig`). The catch is the domain gap: a real SEM
and the simulated SEM of the same hole do not look alike, so the winners first restyled every simulated SEM into the
real domain with the CycleGAN's `GenSimToReal`."""),
("code", """var data = SemData.Open(ws.DataRoot);
var (cgOptions, nets, cgEpoch) = CycleGanTrainer.LoadNets(Path.Combine(Paths.Runs, "cyclegan"));
Func<int, SemDepth.Models.ResnetGenerator> genSimToReal = c => nets(c).GenSimToReal;
Func<int, SemDepth.Models.ResnetGenerator> genRealToSim = c => nets(c).GenRealToSim;
var cases = CaseClassifierPredictor.Load(Path.Combine(Paths.Runs, "case-classifier", "checkpoint"));
$"CycleGAN of notebook 03, epoch {cgEpoch}; {data.Set.Sim.Count:N0} library maps, {data.Test.Count:N0} test queries\""""),
("md", """## The library, restyled
Each key is the mean of a map's two simulated renderings (they differ only in noise) passed through `GenSimToReal`.
Left: a real image of the case; middle: a restyled key; right: the raw simulated SEM."""),
("code", """RetrievalViews.RestyledLibrary(data, genSimToReal)"""),
("md", """## Two directions
The CycleGAN trained *two* generators. The winners used one: restyled keys (`GenSimToReal`) against the real queries.
The other direction translates each real query into the simulated domain (`GenRealToSim`) and compares it with the
raw simulated keys; its output is noise-free, where a restyled key keeps what the generator could not remove of the
simulated noise. The two generators err differently, so the method scores each key by the **mean of the two
correlations** (`RetrievalOptions` defaults: `Restyle` and `TranslateQueries`), after a 1 px Gaussian blur of every
query and key image (`SmoothSigma`) that discounts the pixel noise neither generator reproduces. The winners' one
direction stays a variant (`RetrievalOptions.RestyledKeys`)."""),
("code", """var method = SavedMethods.DefaultRetrieval(data); // the method's options; its search (exact or approximate) follows the device, the library's size and the run's caps
var library = RetrievalLibrary.Build(data, genSimToReal, method, genRealToSim: genRealToSim);
var retrieval = new RetrievalPredictor($"retrieval ({library.Options.Describe()})", library, data, cases);
var restyled = RetrievalLibrary.Build(data, genSimToReal, RetrievalOptions.RestyledKeys with { Search = method.Search });
var restyledKeys = new RetrievalPredictor($"retrieval ({restyled.Options.Describe()}: the winners' keys and search)", restyled, data, cases);
var translated = RetrievalLibrary.Build(data, null, method with { Restyle = false }, genRealToSim: genRealToSim);
var translatedQueries = new RetrievalPredictor($"retrieval ({translated.Options.Describe()})", translated, data, cases);
$"{library.Count:N0} keys in both directions in {library.RestyleSeconds:F1} s; restyled only {restyled.RestyleSeconds:F1} s\""""),
("md", """## Queries and the keys they found
Every query is smoothed and z-scored, and also translated, smoothed and z-scored, then compared with every key of the
case the classifier reads; the best key's depth map is the prediction. The key shown is its restyled half."""),
("code", """RetrievalViews.Examples(data, retrieval, genSimToReal, Enumerable.Range(0, 6).ToList(), genRealToSim)"""),
("code", """var testIdx = Evaluator.TestSample(data); // every test image, or the run's even sample (setup summary: caps)
var found = retrieval.Search(data.Test, testIdx);
RetrievalViews.Similarities(data, found, testIdx)"""),
("md", """How often each direction finds a reused hole's own map (which holes are reused is known on the synthetic set only):"""),
("code", """RetrievalViews.ExactMapFound(data, [("both directions (the method)", found), ("restyled keys (winners)", restyledKeys.Search(data.Test, testIdx)),
    ("translated queries", translatedQueries.Search(data.Test, testIdx))], testIdx)"""),
("md", """## Shifts
The winners shifted each query circularly by -2..+2 px in both axes (25 shifts) and kept the best cosine over the
shifts, because their real crops were not aligned with the depth maps; they returned the found map unshifted. The
synthetic set renders such offsets (`SyntheticConfig.RealSemJitterSd`: each real SEM is rendered from its hole moved
by a pixel or so, at most 2, while its truth map stays where it was). The method searches -1..+1 px
(`RetrievalOptions.MaxShift` 1) and moves the found map back by the winning shift (`ShiftBack`): with keys from a
short CPU CycleGAN many found maps are other holes, which fit best where the query's hole is. With well-restyled keys
the found map is mostly the query's own and belongs where it is: compare the two ceiling rows below. Here: which
shift won, and how often the search finds a reused hole's own map with and without the shifts."""),
("code", """RetrievalViews.ShiftCounts(found)"""),
("code", """var noShifts = library.WithSearch(library.Options with { MaxShift = 0 });
var unshifted = new RetrievalPredictor($"retrieval ({noShifts.Options.Describe()})", noShifts, data, cases);
RetrievalViews.ExactMapFound(data, [("both directions, no shifts", unshifted.Search(data.Test, testIdx)), ($"both directions, +-{method.MaxShift} px (the method)", found)], testIdx)"""),
("md", """## What a perfect restyle would give
On the synthetic set the real-domain physics is known, so each library map can be rendered as a *real* image without
noise: the keys a perfect `GenSimToReal` would make. Like the oracle of notebook 03 this is a bound, not a method
(real data has no renderer). The gap between it and the restyled library is the restyle's fault, not the search's."""),
("code", """RetrievalLibrary? perfect = data.Set.HasTruth ? RetrievalLibrary.BuildPerfectRestyle(data, method) : null;
var ceiling = perfect is null ? null : new RetrievalPredictor("retrieval ceiling (perfect restyle; bound)", perfect, data, cases);
var ceilingUnshifted = perfect is null ? null : new RetrievalPredictor("retrieval ceiling, found map unshifted (perfect restyle; bound)",
    perfect.WithSearch(perfect.Options with { ShiftBack = false }), data, cases);
ceiling is null ? (object)"the ceiling needs the synthetic set's hidden config" : RetrievalViews.ExactMapFound(data, [("perfect restyle", ceiling.Search(data.Test, testIdx)), ("both directions (the method)", found)], testIdx)"""),
("md", """## Exact and approximate search
Exact search is one matrix product per chunk of queries (shifts x chunk x keys floats, bounded by `ChunkMiB`). The
approximate search projects keys and queries onto a 64-dimensional subspace of the keys, where each case's keys are
split into k-means lists (an inverted file, the square root of the keys many); a query scans only the 32 lists whose
centres score best over its shifts, keeps 16 candidates and re-ranks them exactly. Recall@1 is its agreement with the
exact top-1. Timed here with the winners' 25 shifts, the costly case; on a library this small (600 keys a case, 24
lists) it scans every list, so it saves little: `semdepth bench-retrieval` times the full-size library, where it is
3x faster than scanning every key."""),
("code", """RetrievalViews.ExactVsApproximate(data, retrieval)"""),
("md", """## Every method, one table
The methods of notebooks 02 and 03 loaded from their checkpoints, and the retrieval variants: both directions with
the classifier's case (the method), the same without shifts, the winners' restyled keys and search, the translated
queries alone, the raw simulated library (no CycleGAN), both directions searched across all cases, and the
perfect-restyle ceiling."""),
("code", """var rawLibrary = RetrievalLibrary.Build(data, null, method with { Restyle = false, TranslateQueries = false, SmoothSigma = 0 });
var methods = SavedMethods.Available().Where(k => k != "retrieval").Select(k => SavedMethods.Load(k, data).Predictor).ToList();
methods.Add(retrieval);
methods.Add(unshifted);
methods.Add(restyledKeys);
methods.Add(translatedQueries);
methods.Add(new RetrievalPredictor($"retrieval ({rawLibrary.Options.Describe()})", rawLibrary, data, cases));
methods.Add(new RetrievalPredictor($"retrieval ({library.Options.Describe()}, all cases)", library, data, null));
if (ceiling is not null) methods.Add(ceiling);
if (ceilingUnshifted is not null) methods.Add(ceilingUnshifted);
var rows = methods.SelectMany(m => Evaluator.Evaluate(m, data)).ToList();
DomainShiftViews.MethodTable(rows)"""),
("code", """DomainShiftViews.RmseBars(rows)"""),
("code", """data.TestTruth is null ? (object)"per-case RMSE needs the synthetic set's hidden truth" : RetrievalViews.PerCase(rows)"""),
("md", """## What it means
- Retrieval can only be as good as its keys: compare *raw library*, *restyled library* and the *perfect restyle*.
  Where the right key wins the error is zero, not small; where a wrong one wins it is a whole other hole.
- The short CPU CycleGAN of notebook 03 restyles well enough for a majority of reused holes to find their own map,
  and scoring both of its directions finds clearly more (the counts above): the two generators' mistakes rarely
  favour the same wrong key. That puts retrieval well ahead of the regression methods in the table; the perfect
  restyle finds nearly all. What the ceiling still loses is the new shapes and the classifier's few wrong cases (compare its
  per-case rows). The winners trained per case for hundreds of epochs on a GPU (`CycleGanOptions.Full`,
  `semdepth train-cyclegan --full --per-case`).
- The shifts cost 9 times the search (25 for the winners' +-2 px); they find an offset crop's own map, and wider ones
  let other holes win (compare *no shifts* and the winners' search).
- Searching all cases instead of the classifier's removes the classifier's errors but lets a deeper case's
  similar-looking map win.

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

using SemDepth.Methods;
using Xunit;

namespace SemDepth.Tests;

public class OneToOneAssignmentTests
{
    [Fact]
    public void TheAssignmentTakesPairsByFallingCosineAndFallsBackToTheBestFreeKey()
    {
        static Match M(int key, float cos) => new(key, 0, 0, cos);
        // query 0 and 1 both want map 7; 1 holds it more strongly, so 0 takes its second choice; query 2's
        // candidates are all taken, so it gets the best free key of the whole case
        Match[][] cand =
        [
            [M(7, 0.90f), M(8, 0.80f)],
            [M(7, 0.95f), M(9, 0.50f)],
            [M(7, 0.85f), M(8, 0.70f)],
        ];
        int[]? asked = null;
        var got = OneToOneAssignment.Assign(cand, left =>
        {
            asked = left;
            return
            [
                [M(7, 0.85f), M(8, 0.70f), M(9, 0.4f), M(3, 0.3f)],
            ];
        });
        Assert.Equal(new[] { 2 }, asked);
        Assert.Equal(new[] { 8, 7, 9 }, got.Select(m => m.Key)); // 9 is free: query 1 took 7 with its first choice
        // with no free key at all the query keeps its own top-1 (a case with more queries than maps)
        var full = OneToOneAssignment.Assign(
            [
                [M(1, 0.9f)],
                [M(1, 0.8f)],
            ],
            left =>
                [
                    [M(1, 0.8f)],
                ]
        );
        Assert.Equal(new[] { 1, 1 }, full.Select(m => m.Key));
    }

    [Fact]
    public void WithASlackAQueryGivesUpItsBestOnlyForANearTie()
    {
        static Match M(int key, float cos) => new(key, 0, 0, cos);
        // both queries want map 7; query 1 holds it more strongly. Query 0's second key is 1.05 times as far as its
        // best (0.0105 against 0.01): a near tie, taken with a slack of 0.1. Its third, 2 times as far, is not.
        Match[][] near =
        [
            [M(7, 0.990f), M(8, 0.9895f)],
            [M(7, 0.995f), M(9, 0.9f)],
        ];
        Match[][] far =
        [
            [M(7, 0.990f), M(8, 0.980f)],
            [M(7, 0.995f), M(9, 0.9f)],
        ];
        Match[][] Wide(int[] left) => left.Select(_ => new[] { M(7, 0.99f), M(8, 0.98f), M(5, 0.97f) }).ToArray();
        Assert.Equal(new[] { 8, 7 }, OneToOneAssignment.Assign(near, Wide, null, 0.1).Select(m => m.Key));
        // too far: query 0 keeps its best, shared (two images of one reused map), without searching the whole case
        int wideCalls = 0;
        Match[][] Counted(int[] left)
        {
            wideCalls++;
            return Wide(left);
        }
        Assert.Equal(new[] { 7, 7 }, OneToOneAssignment.Assign(far, Counted, null, 0.1).Select(m => m.Key));
        Assert.Equal(0, wideCalls);
        // strictly one-to-one it moves whatever it costs
        Assert.Equal(
            new[] { 8, 7 },
            OneToOneAssignment.Assign(far, Wide, null, double.PositiveInfinity).Select(m => m.Key)
        );
        // strictly one-to-one also when the best key matches exactly (cosine 1): the tie goes to query 0, query 1 moves
        Match[][] exact =
        [
            [M(7, 1f), M(8, 0.9f)],
            [M(7, 1f), M(9, 0.5f)],
        ];
        Assert.Equal(
            new[] { 7, 9 },
            OneToOneAssignment.Assign(exact, Wide, null, double.PositiveInfinity).Select(m => m.Key)
        );
        // a slack of 0: each query its own top-1
        Assert.Equal(new[] { 7, 7 }, OneToOneAssignment.Assign(near, Wide, null, 0).Select(m => m.Key));
        Assert.Throws<ArgumentException>(() => new RetrievalOptions { AssignSlack = double.NaN }.Check());
    }

    [Fact]
    public void ARivalThatHoldsAMapMoreStronglyTakesItButGetsNoResult()
    {
        static Match M(int key, float cos) => new(key, 0, 0, cos);
        // the query's best is map 7, its second map 8 a near tie; a train image (a rival) matches map 7 better: map 7
        // is that image's truth, so the query moves to 8. The rival gets no result of its own.
        Match[][] query =
        [
            [M(7, 0.990f), M(8, 0.9895f)],
        ];
        Match[][] rival =
        [
            [M(7, 0.998f), M(5, 0.9f)],
        ];
        Match[][] Wide(int[] left) => left.Select(_ => new[] { M(7, 0.99f), M(8, 0.98f) }).ToArray();
        Assert.Equal(new[] { 7 }, OneToOneAssignment.Assign(query, Wide, null, 0.1).Select(m => m.Key));
        var got = OneToOneAssignment.Assign(query, Wide, null, 0.1, rival);
        Assert.Equal(new[] { 8 }, got.Select(m => m.Key));
        // a weaker rival loses the map to the query and takes its own second
        Match[][] weak =
        [
            [M(7, 0.95f), M(5, 0.94f)],
        ];
        Assert.Equal(new[] { 7 }, OneToOneAssignment.Assign(query, Wide, null, 0.1, weak).Select(m => m.Key));
        // a rival's map taken before (a confirmed site) stays taken: the rival does not free it
        Assert.Equal(
            new[] { 8 },
            OneToOneAssignment.Assign(query, Wide, new HashSet<int> { 7 }, 0.1, weak).Select(m => m.Key)
        );
    }
}

using System.Reflection;
using System.Reflection.Emit;
using SemDepth.Data;
using SemDepth.Images;
using TorchSharp;
using Xunit;

namespace SemDepth.Tests;

/// <summary>
/// TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping the Scalar alive, and a Scalar made by
/// an implicit conversion (<c>t * 255</c>, <c>clamp(0, 255)</c>, <c>add_(x)</c>'s alpha 1) is garbage the moment its
/// handle is read: a collection on another thread can run its finalizer while libtorch still reads it. Seen once in
/// a quick main job ("Expected false to be true" from <c>toLong</c> in <c>Batches.ToBytes</c>) and reproduced in a
/// few seconds with a collecting thread; a freed Scalar read back as another value would be a silent wrong number.
/// The library therefore makes its Scalars explicitly, in <c>using</c> declarations that keep them alive until the
/// calls return. These tests read the library's IL so that no implicit one comes back.
/// </summary>
public class ScalarLifetimeTests
{
    const BindingFlags Declared =
        BindingFlags.Public
        | BindingFlags.NonPublic
        | BindingFlags.Instance
        | BindingFlags.Static
        | BindingFlags.DeclaredOnly;

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The methods <paramref name="m"/> calls, read from its IL.</summary>
    static IEnumerable<MethodBase> Callees(MethodBase m)
    {
        byte[]? il;
        try
        {
            il = m.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException)
        {
            yield break;
        }
        if (il is null)
            yield break;
        var type = m.DeclaringType!;
        for (int i = 0; i < il.Length; )
        {
            var op = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try
                {
                    callee = m.Module.ResolveMethod(
                        BitConverter.ToInt32(il, i),
                        type.IsGenericType ? type.GetGenericArguments() : null,
                        m.IsGenericMethod ? m.GetGenericArguments() : null
                    );
                }
                catch (ArgumentException) { }
                if (callee is not null)
                    yield return callee;
            }
            i += operand;
        }
    }

    static bool MakesScalar(MethodBase c) =>
        c.DeclaringType == typeof(Scalar) && c.Name == "op_Implicit" || c.Name == "ToScalar";

    /// <summary>A Dispose call: on a Scalar, or through IDisposable as a <c>using</c> declaration makes it.</summary>
    static bool DisposesScalar(MethodBase c) =>
        c.Name == "Dispose" && (c.DeclaringType == typeof(Scalar) || c.DeclaringType == typeof(IDisposable));

    static IEnumerable<MethodBase> MethodsOf(Assembly a) =>
        a.GetTypes().SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)));

    /// <summary>TorchSharp's methods that make a Scalar of their own and never dispose one (the operators with a
    /// number, add_ with its default alpha, ...).</summary>
    static readonly HashSet<MethodBase> UnsafeTorchSharp = Unsafe();

    /// <summary>The methods that make such a Scalar, and every TorchSharp method that calls one of them (the operator
    /// <c>a + b</c> calls <c>add(b)</c>, which passes <c>add(b, 1)</c> an alpha no one keeps).</summary>
    static HashSet<MethodBase> Unsafe()
    {
        var all = MethodsOf(typeof(torch).Assembly)
            .Where(m => !MakesScalar(m) && m.DeclaringType != typeof(Scalar)) // the makers themselves hand it over
            .Select(m => (Method: m, Calls: Callees(m).ToList()))
            .ToList();
        var found = all.Where(x => x.Calls.Any(MakesScalar) && !x.Calls.Any(DisposesScalar))
            .Select(x => x.Method)
            .ToHashSet();
        for (int added = -1; added != 0; )
        {
            var more = all.Where(x => !found.Contains(x.Method) && x.Calls.Any(found.Contains)).ToList();
            added = more.Count;
            foreach (var x in more)
                found.Add(x.Method);
        }
        return found;
    }

    /// <summary>Whether <paramref name="m"/> makes a Scalar that no <c>using</c> keeps: more Scalars made than it has
    /// Scalar locals (a temporary passed straight on), or than it disposes.</summary>
    static bool Unkept(MethodBase m, List<MethodBase> calls)
    {
        int made = calls.Count(MakesScalar);
        if (made == 0)
            return false;
        int locals = m.GetMethodBody()?.LocalVariables.Count(l => l.LocalType == typeof(Scalar)) ?? 0;
        return made > locals || calls.Count(DisposesScalar) < made;
    }

    [Fact]
    public void TheLibraryNeverHandsLibtorchAScalarItDoesNotKeep()
    {
        Assert.True(UnsafeTorchSharp.Count > 50, "the IL reader found too few TorchSharp methods to trust it");
        Assert.Contains(UnsafeTorchSharp, m =>
            m.Name == "op_Multiply" && m.GetParameters()[1].ParameterType == typeof(int)
        );
        var wrong = MethodsOf(typeof(Batches).Assembly)
            .Select(m => (Method: m, Calls: Callees(m).ToList()))
            .Select(x =>
                (
                    x.Method,
                    Unsafe: x.Calls.Where(UnsafeTorchSharp.Contains).Select(c => c.Name).Distinct().ToList(),
                    Unkept: Unkept(x.Method, x.Calls)
                )
            )
            .Where(x => x.Unsafe.Count > 0 || x.Unkept)
            .Select(x =>
                $"{x.Method.DeclaringType!.FullName}.{x.Method.Name}: "
                + (x.Unkept ? "makes a Scalar it never disposes " : "")
                + string.Join(", ", x.Unsafe)
            )
            .ToList();
        Assert.True(
            wrong.Count == 0,
            "use an explicit Scalar kept by `using Scalar s = ...;` instead of a number:\n" + string.Join("\n", wrong)
        );
    }

    [Fact]
    public void OutputToBytesSurvivesCollectionsOnAnotherThread()
    {
        SemDepth.Torch.TorchNatives.EnsureLoaded();
        using var t = torch.rand(16, 1, Geometry.Height, Geometry.Width, generator: new torch.Generator(3));
        byte[] first = Batches.ToBytes(t, PixelScale.Unit);
        using Scalar two = 2,
            one = 1;
        using var symmetric = t * two - one;
        bool stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int calls = 0;
        try
        {
            while (sw.Elapsed.TotalSeconds < 2)
            {
                Assert.Equal(first, Batches.ToBytes(t, PixelScale.Unit));
                Assert.Equal(first, Batches.ToBytes(symmetric, PixelScale.Symmetric));
                calls += 2;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        Assert.True(calls > 100, $"only {calls} calls in 2 s");
    }
}

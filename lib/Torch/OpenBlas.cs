using System.Runtime.InteropServices;
using SemDepth.Workspace;
using TorchSharp;
using static TorchSharp.torch;
// cblas_sgemm(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
using unsafe Sgemm = delegate* unmanaged<
    int,
    int,
    int,
    int,
    int,
    int,
    float,
    float*,
    int,
    float*,
    int,
    float,
    float*,
    int,
    void>;

namespace SemDepth.Torch;

/// <summary>
/// The product A x B^T of float32 CPU matrices through the system's OpenBLAS when it is installed
/// (Debian: <c>libopenblas0-pthread</c>), else libtorch's own <c>matmul</c>. Retrieval's exact search
/// is this product at sizes where the BLAS decides the time.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> libtorch's bundled BLAS runs large single-precision GEMMs on our 2-core EPYCs well below
/// OpenBLAS (docs/performance.md); the PyTorch peer of the benchmarks calls the same OpenBLAS.</para>
/// <para><b>How.</b> Both operands must be contiguous float32 CPU tensors; their data are passed to
/// <c>cblas_sgemm</c> in place (libtorch's own <c>THSTensor_data</c> export of TorchSharp's shim gives
/// the address), the result is a fresh tensor. OpenBLAS runs on as many threads as torch
/// (<c>torch.get_num_threads()</c>); calls are serialised. Anything else (CUDA, other dtypes, a
/// machine without OpenBLAS, <c>SEMDEPTH_BLAS=torch</c>) goes to <c>matmul</c>; results agree to float
/// rounding either way.</para>
/// </remarks>
public static unsafe class OpenBlas
{
    const int RowMajor = 101,
        NoTrans = 111,
        Trans = 112;

    /// <summary>Rows and columns the result needs, each, before OpenBLAS is called (unless it is <see
    /// cref="WideColumns"/> wide): smaller or thin products ran as fast or faster in libtorch
    /// (docs/performance.md).</summary>
    public const long MinSide = 256;

    /// <summary>Columns from which OpenBLAS is called for any number of rows from <see cref="MinRowsWide"/>: against a
    /// large B (a case's keys on the full preset) libtorch's BLAS fell behind whatever the rows; at 1,024-4,096 columns
    /// the two were level (docs/performance.md).</summary>
    public const long WideColumns = 8192;

    /// <summary>Rows a <see cref="WideColumns"/>-wide product needs: a vector times a matrix is faster in
    /// libtorch.</summary>
    public const long MinRowsWide = 4;

    /// <summary>Whether a product with <paramref name="rows"/> x <paramref name="columns"/> results is worth calling
    /// OpenBLAS for (the sizes above).</summary>
    public static bool Worth(long rows, long columns) =>
        (rows >= MinSide && columns >= MinSide) || (columns >= WideColumns && rows >= MinRowsWide);

    static readonly object Gate = new();
    static bool _tried;
    static Sgemm _sgemm;
    static delegate* unmanaged<int, void> _setThreads;
    static delegate* unmanaged<IntPtr, void*> _tensorData;
    static string _status = "not looked for yet";

    /// <summary>Products OpenBLAS computed in this process (tests and benchmarks check which path ran).</summary>
    public static long Calls => Interlocked.Read(ref _calls);
    static long _calls;

    /// <summary>Whether <see cref="TimesTransposed"/> can call OpenBLAS on this machine.</summary>
    public static bool Available
    {
        get
        {
            Init();
            return _sgemm != null;
        }
    }

    /// <summary>Forces libtorch's matmul for this process (benchmarks and tests compare the two); null: OpenBLAS when
    /// available.</summary>
    public static bool? Enabled { get; set; }

    /// <summary>Which BLAS the product uses, with OpenBLAS's own description of its build and the core it
    /// picked.</summary>
    public static string Status
    {
        get
        {
            Init();
            return Use ? _status : $"libtorch matmul ({(Available ? "OpenBLAS switched off" : _status)})";
        }
    }

    static bool Use => Available && (Enabled ?? !Settings.Current.TorchBlas);

    /// <summary>
    /// <paramref name="a"/> (..., M, D) times the transpose of <paramref name="b"/> (K, D): (..., M, K). OpenBLAS when
    /// it is available, both are contiguous float32 CPU tensors that need no gradient, and the result's rows M (over
    /// the leading dimensions) and columns K are worth it (<see cref="Worth"/>); else <c>a.matmul(b.t())</c>.
    /// </summary>
    public static Tensor TimesTransposed(Tensor a, Tensor b)
    {
        if (b.dim() != 2 || a.dim() < 1 || a.shape[^1] != b.shape[1])
            throw new ArgumentException(
                $"shapes ({string.Join(", ", a.shape)}) and ({string.Join(", ", b.shape)}) do not multiply as A x B^T"
            );
        if (
            !Use
            || a.device_type != DeviceType.CPU
            || b.device_type != DeviceType.CPU
            || (torch.is_grad_enabled() && (a.requires_grad || b.requires_grad)) // autograd needs libtorch's own op
            || a.dtype != ScalarType.Float32
            || b.dtype != ScalarType.Float32
            || !a.is_contiguous()
            || !b.is_contiguous()
            || !Worth(a.numel() / Math.Max(1, a.shape[^1]), b.shape[0])
            || b.shape[1] == 0
            || a.numel() / a.shape[^1] > int.MaxValue
            || b.shape[0] > int.MaxValue
            || b.shape[1] > int.MaxValue
        )
            return a.matmul(b.t());
        long d = b.shape[1],
            k = b.shape[0],
            m = a.numel() / d;
        var shape = a.shape.ToArray();
        shape[^1] = k;
        var c = torch.empty(shape, ScalarType.Float32, a.device);
        lock (Gate)
        {
            _setThreads(torch.get_num_threads());
            _sgemm(
                RowMajor,
                NoTrans,
                Trans,
                (int)m,
                (int)k,
                (int)d,
                1f,
                (float*)_tensorData(a.Handle),
                (int)d,
                (float*)_tensorData(b.Handle),
                (int)d,
                0f,
                (float*)_tensorData(c.Handle),
                (int)k
            );
        }
        Interlocked.Increment(ref _calls);
        return c;
    }

    static void Init()
    {
        lock (Gate)
        {
            if (_tried)
                return;
            _tried = true;
            TorchNatives.EnsureLoaded();
            IntPtr blas = IntPtr.Zero;
            if (
                !OperatingSystem.IsLinux()
                || !(
                    NativeLibrary.TryLoad("libopenblas.so.0", out blas)
                    || NativeLibrary.TryLoad("libopenblas.so", out blas)
                )
            )
            {
                _status = "no OpenBLAS on this machine (Debian: apt-get install libopenblas0-pthread)";
                return;
            }
            // TorchSharp's shim, as its own assembly resolves it (TorchNatives' patched copy where the host needs one)
            if (
                !NativeLibrary.TryLoad("LibTorchSharp", typeof(torch).Assembly, null, out var shim)
                || !NativeLibrary.TryGetExport(shim, "THSTensor_data", out var data)
                || !NativeLibrary.TryGetExport(blas, "cblas_sgemm", out var sgemm)
                || !NativeLibrary.TryGetExport(blas, "openblas_set_num_threads", out var setThreads)
            )
            {
                _status = "OpenBLAS or TorchSharp's shim lacks an entry point: libtorch matmul";
                return;
            }
            _tensorData = (delegate* unmanaged<IntPtr, void*>)data;
            _setThreads = (delegate* unmanaged<int, void>)setThreads;
            _sgemm = (Sgemm)sgemm;
            string config = NativeLibrary.TryGetExport(blas, "openblas_get_config", out var cfg)
                ? Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)cfg)()) ?? ""
                : "";
            string core = NativeLibrary.TryGetExport(blas, "openblas_get_corename", out var cn)
                ? Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)cn)()) ?? ""
                : "";
            config = config.Trim();
            _status =
                (config.StartsWith("OpenBLAS", StringComparison.Ordinal) ? config : $"OpenBLAS {config}".TrimEnd())
                + (core.Length > 0 ? $" (core {core})" : "");
        }
    }
}

using System.IO.MemoryMappedFiles;

namespace SemDepth.Images;

/// <summary>
/// N images of 72x48 uint8, row-major, back to back: one split of the data set decoded once.
/// Backed by a memory-mapped cache file (or an in-memory array).
/// </summary>
public sealed unsafe class ImageSet : IDisposable
{
    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    readonly byte* _ptr;
    readonly byte[]? _array;
    public int Count { get; }

    /// <summary>Where it was loaded from (cache file), or "memory".</summary>
    public string Source { get; }

    internal ImageSet(string file, int count, long offset)
    {
        Count = count;
        Source = file;
        if (count == 0)
        {
            _array = [];
            return;
        }
        _map = MemoryMappedFile.CreateFromFile(file, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _ptr = p + _view.PointerOffset + offset;
    }

    /// <summary>An in-memory set (tests, derived images).</summary>
    public ImageSet(byte[] pixels)
    {
        if (pixels.Length % Geometry.Pixels != 0)
            throw new ArgumentException("length is not a whole number of 72x48 images");
        _array = pixels;
        Count = pixels.Length / Geometry.Pixels;
        Source = "memory";
    }

    /// <summary>Image <paramref name="i"/> (3,456 bytes).</summary>
    public ReadOnlySpan<byte> this[int i]
    {
        get
        {
            if ((uint)i >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(i), i, $"image index outside 0..{Count - 1}");
            return _array is not null
                ? _array.AsSpan(i * Geometry.Pixels, Geometry.Pixels)
                : new ReadOnlySpan<byte>(_ptr + (long)i * Geometry.Pixels, Geometry.Pixels);
        }
    }

    /// <summary>Copies image <paramref name="i"/> into a new array.</summary>
    public byte[] ToArray(int i) => this[i].ToArray();

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Actors.Model;

/// <summary>A float32 tensor to write: PyTorch name, shape and row-major data.</summary>
public readonly record struct Float32Tensor(string Name, IReadOnlyList<int> Shape, ReadOnlyMemory<float> Data);

/// <summary>One tensor entry of a safetensors header; offsets are relative to the data buffer.</summary>
public sealed record SafeTensorInfo(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End);

/// <summary>
/// A strict reader and writer for the safetensors format: 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON (<c>{"name":{"dtype":..,"shape":[..],"data_offsets":[begin,end]},..,"__metadata__":{..}}</c>),
/// then the data buffer, which the offsets must cover exactly, without holes or overlaps.
/// No package on the feed reads safetensors, hence this small implementation. Immutable after parsing.
/// </summary>
public sealed class SafeTensorsFile
{
    private const string MetadataKey = "__metadata__";

    // Headers of real models are a few kB; 100 MB is the limit the reference implementation uses.
    private const long MaxHeaderLength = 100_000_000;

    private readonly byte[] _bytes;
    private readonly int _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(
        string source,
        byte[] bytes,
        int dataStart,
        Dictionary<string, SafeTensorInfo> byName,
        IReadOnlyList<SafeTensorInfo> tensors,
        IReadOnlyDictionary<string, string> metadata)
    {
        Source = source;
        _bytes = bytes;
        _dataStart = dataStart;
        _byName = byName;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Where the bytes came from (a path or a label), used in error messages.</summary>
    public string Source { get; }

    /// <summary>The tensors in data-buffer order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The optional <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates a safetensors file.</summary>
    /// <exception cref="ModelFormatException">The file is malformed; the message says how.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Validates safetensors bytes. The array is kept (not copied); do not modify it afterwards.</summary>
    /// <exception cref="ModelFormatException">The bytes are malformed; the message says how.</exception>
    public static SafeTensorsFile Parse(byte[] bytes, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < 8)
        {
            throw Malformed(source, $"file is {bytes.Length} bytes, shorter than the 8-byte header length prefix");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderLength)
        {
            throw Malformed(source, $"header length {headerLength} exceeds the {MaxHeaderLength}-byte limit (not a safetensors file?)");
        }

        if (8 + (long)headerLength > bytes.Length)
        {
            throw Malformed(source, $"header length {headerLength} runs past the end of the {bytes.Length}-byte file (truncated?)");
        }

        var dataStart = 8 + (int)headerLength;
        var header = bytes.AsMemory(8, (int)headerLength);
        if (headerLength < 2 || header.Span[0] != (byte)'{')
        {
            throw Malformed(source, "header does not start with '{'");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{source}: malformed safetensors: header is not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(source, "header is not a JSON object");
            }

            long bufferLength = bytes.Length - dataStart;
            var byName = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var sawMetadata = false;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw Malformed(source, $"duplicate key '{MetadataKey}'");
                    }

                    sawMetadata = true;
                    ReadMetadata(source, property.Value, metadata);
                    continue;
                }

                var info = ReadEntry(source, property.Name, property.Value, bufferLength);
                if (!byName.TryAdd(info.Name, info))
                {
                    throw Malformed(source, $"duplicate tensor name '{info.Name}'");
                }
            }

            var ordered = new List<SafeTensorInfo>(byName.Values);
            ordered.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expected = 0;
            foreach (var info in ordered)
            {
                if (info.Begin != expected)
                {
                    throw Malformed(source, info.Begin > expected
                        ? $"data buffer has a hole at bytes [{expected}, {info.Begin}) before tensor '{info.Name}'"
                        : $"tensor '{info.Name}' at [{info.Begin}, {info.End}) overlaps the previous tensor (ends at {expected})");
                }

                expected = info.End;
            }

            if (expected != bufferLength)
            {
                throw Malformed(source, $"tensors cover {expected} bytes of data but the data buffer is {bufferLength} bytes");
            }

            return new SafeTensorsFile(source, bytes, dataStart, byName, ordered, metadata);
        }
    }

    /// <summary>Serialises float32 tensors, in the given order, with an optional metadata map.</summary>
    public static byte[] Serialize(IReadOnlyList<Float32Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var headerStream = new MemoryStream();
        long offset = 0;
        using (var writer = new Utf8JsonWriter(headerStream))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var pair in metadata)
                {
                    writer.WriteString(pair.Key, pair.Value);
                }

                writer.WriteEndObject();
            }

            foreach (var tensor in tensors)
            {
                if (string.IsNullOrEmpty(tensor.Name) || tensor.Name == MetadataKey || !names.Add(tensor.Name))
                {
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is empty, reserved or duplicated.", nameof(tensors));
                }

                long count = 1;
                foreach (var dimension in tensor.Shape)
                {
                    ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(tensors));
                    count *= dimension;
                }

                if (count != tensor.Data.Length)
                {
                    throw new ArgumentException(
                        $"Tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}] ({count} elements) but {tensor.Data.Length} values.",
                        nameof(tensors));
                }

                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + (4 * count));
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += 4 * count;
            }

            writer.WriteEndObject();
        }

        // Pad the header with spaces so the data buffer starts 8-byte aligned, as the reference writer does.
        var headerLength = (int)headerStream.Length;
        var padded = (headerLength + 7) / 8 * 8;
        var bytes = new byte[8 + padded + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        headerStream.GetBuffer().AsSpan(0, headerLength).CopyTo(bytes.AsSpan(8));
        bytes.AsSpan(8 + headerLength, padded - headerLength).Fill((byte)' ');
        var position = 8 + padded;
        foreach (var tensor in tensors)
        {
            var destination = bytes.AsSpan(position, 4 * tensor.Data.Length);
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(tensor.Data.Span).CopyTo(destination);
            }
            else
            {
                var source = tensor.Data.Span;
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], source[i]);
                }
            }

            position += destination.Length;
        }

        return bytes;
    }

    /// <summary>Writes float32 tensors to a file (see <see cref="Serialize"/>).</summary>
    public static void Write(string path, IReadOnlyList<Float32Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, Serialize(tensors, metadata));
    }

    /// <summary>Whether a tensor of that name exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="ModelFormatException">No tensor of that name.</exception>
    public SafeTensorInfo GetInfo(string name) =>
        _byName.TryGetValue(name, out var info)
            ? info
            : throw new ModelFormatException($"{Source}: missing tensor '{name}'.");

    /// <summary>Copies a float32 tensor out, checking its dtype and, when given, its shape.</summary>
    /// <exception cref="ModelFormatException">Missing tensor, wrong dtype or wrong shape.</exception>
    public float[] ReadFloat32(string name, IReadOnlyList<int>? expectedShape = null)
    {
        var info = GetInfo(name);
        if (info.DType != "F32")
        {
            throw new ModelFormatException($"{Source}: tensor '{name}' has dtype {info.DType}; expected F32.");
        }

        if (expectedShape is not null && !ShapeEquals(info.Shape, expectedShape))
        {
            throw new ModelFormatException(
                $"{Source}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; expected [{string.Join(", ", expectedShape)}].");
        }

        var source = _bytes.AsSpan(_dataStart + (int)info.Begin, (int)(info.End - info.Begin));
        var values = new float[source.Length / 4];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(values);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
            }
        }

        return values;
    }

    private static bool ShapeEquals(IReadOnlyList<long> actual, IReadOnlyList<int> expected)
    {
        if (actual.Count != expected.Count)
        {
            return false;
        }

        for (var i = 0; i < actual.Count; i++)
        {
            if (actual[i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }

    private static void ReadMetadata(string source, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(source, $"'{MetadataKey}' is not an object of strings");
        }

        foreach (var pair in element.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw Malformed(source, $"'{MetadataKey}.{pair.Name}' is not a string");
            }

            if (!metadata.TryAdd(pair.Name, pair.Value.GetString()!))
            {
                throw Malformed(source, $"duplicate key '{MetadataKey}.{pair.Name}'");
            }
        }
    }

    private static SafeTensorInfo ReadEntry(string source, string name, JsonElement entry, long bufferLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(source, $"entry '{name}' is not an object");
        }

        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        foreach (var field in entry.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtype is null && field.Value.ValueKind == JsonValueKind.String:
                    dtype = field.Value.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(source, name, "shape", field.Value);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(source, name, "data_offsets", field.Value);
                    break;
                default:
                    throw Malformed(source, $"tensor '{name}' has an unexpected, duplicated or mistyped field '{field.Name}'");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            throw Malformed(source, $"tensor '{name}' lacks one of 'dtype', 'shape', 'data_offsets'");
        }

        var elementSize = ElementSize(dtype)
            ?? throw Malformed(source, $"tensor '{name}' has unknown dtype '{dtype}'");
        if (offsets.Count != 2)
        {
            throw Malformed(source, $"tensor '{name}' has {offsets.Count} data_offsets; expected [begin, end]");
        }

        long begin = offsets[0], end = offsets[1];
        if (begin > end || end > bufferLength)
        {
            throw Malformed(source, $"tensor '{name}' has data_offsets [{begin}, {end}] outside the {bufferLength}-byte data buffer (truncated?)");
        }

        long count = 1;
        foreach (var dimension in shape)
        {
            count = checked(count * dimension);
        }

        if (checked(count * elementSize) != end - begin)
        {
            throw Malformed(source,
                $"tensor '{name}' has shape [{string.Join(", ", shape)}] of {dtype} ({count * elementSize} bytes) but data_offsets span {end - begin} bytes");
        }

        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static List<long> ReadIntegers(string source, string name, string field, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(source, $"tensor '{name}': '{field}' is not an array");
        }

        var values = new List<long>(element.GetArrayLength());
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw Malformed(source, $"tensor '{name}': '{field}' holds {item.GetRawText()}, not a non-negative integer");
            }

            values.Add(value);
        }

        return values;
    }

    private static int? ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" => 8,
        _ => null,
    };

    private static ModelFormatException Malformed(string source, string problem) =>
        new($"{source}: malformed safetensors: {problem}.");
}

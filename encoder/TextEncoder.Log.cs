using Microsoft.Extensions.Logging;

namespace Actors.Encoder;

public sealed partial class TextEncoder
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information,
            Message = "Text encoder {ModelVersion} loaded: {Dimension} dimensions on {ExecutionProvider}, model {ModelPath}")]
        public static partial void ModelLoaded(ILogger logger, string modelVersion, int dimension, ExecutionProvider executionProvider, string modelPath);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
            Message = "CUDA execution provider unavailable for device {DeviceId}; encoding on the CPU instead. {Reason}")]
        public static partial void CudaUnavailable(ILogger logger, int deviceId, string reason, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
            Message = "Unicode normalization is unavailable (the host runs with InvariantGlobalization), so accents are not stripped and accented words encode as [UNK]; set InvariantGlobalization to false in the host project")]
        public static partial void AccentsNotStripped(ILogger logger);
    }
}

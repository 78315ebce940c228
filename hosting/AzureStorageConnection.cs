using System.Net;
using Microsoft.Extensions.Configuration;

namespace Actors.Hosting;

/// <summary>
/// The one Azure Storage connection string (<c>ConnectionStrings:AzureStorage</c>, environment
/// <c>ConnectionStrings__AzureStorage</c>) behind table membership, blob grain storage and queue streams.
/// </summary>
public static class AzureStorageConnection
{
    /// <summary>The name under <c>ConnectionStrings</c>.</summary>
    public const string Name = "AzureStorage";

    /// <summary>The storage emulator's account key, published in Microsoft's documentation: never a secret, never for a real endpoint.</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The connection string, checked; throws when it is missing or uses the development key off loopback.</summary>
    public static string Require(IConfiguration configuration, string requiredBy)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration.GetConnectionString(Name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"{requiredBy} needs an Azure Storage connection string: set ConnectionStrings:{Name} (environment variable ConnectionStrings__{Name}).");
        }
        Check(connectionString);
        return connectionString;
    }

    /// <summary>
    /// Refuses a connection string that pairs the emulator's well-known key (or <c>UseDevelopmentStorage=true</c>)
    /// with an endpoint that is not on loopback: that key is public, so it may only ever reach a local emulator.
    /// </summary>
    public static void Check(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = Parse(connectionString);
        var development = parts.TryGetValue("UseDevelopmentStorage", out var use) && bool.TryParse(use, out var yes) && yes;
        if (development)
        {
            if (parts.TryGetValue("DevelopmentStorageProxyUri", out var proxy) && !IsLoopback(proxy))
            {
                throw new InvalidOperationException("UseDevelopmentStorage=true with a DevelopmentStorageProxyUri off loopback: the development account may only be reached on 127.0.0.1.");
            }
            return;
        }
        if (!parts.TryGetValue("AccountKey", out var key) || key != DevelopmentAccountKey)
        {
            return;
        }
        var endpoints = parts.Where(p => p.Key.EndsWith("Endpoint", StringComparison.OrdinalIgnoreCase)).ToList();
        if (endpoints.Count == 0)
        {
            throw new InvalidOperationException("The Azure Storage connection string carries the development account key but names no endpoint; the development key is accepted only with explicit loopback endpoints.");
        }
        foreach (var (name, value) in endpoints)
        {
            if (!IsLoopback(value))
            {
                throw new InvalidOperationException($"The Azure Storage connection string carries the public development account key with {name}={value}, which is not on loopback; use a real account key (from a secret store) for a real endpoint.");
            }
        }
    }

    private static Dictionary<string, string> Parse(string connectionString)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parts[part[..equals].Trim()] = part[(equals + 1)..].Trim();
            }
        }
        return parts;
    }

    private static bool IsLoopback(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            return false;
        }
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));
    }
}

using Microsoft.Extensions.Options;

namespace SseService.Client;

/// <summary>
/// Settings of the gRPC publisher registered by
/// <see cref="Microsoft.Extensions.DependencyInjection.SseClientServiceCollectionExtensions.AddSseBroadcaster"/>.
/// </summary>
public sealed class SseBroadcasterOptions
{
    /// <summary>
    /// The gRPC endpoint of SseService (HTTP/2), e.g. <c>http://localhost:8002</c>. Required.
    /// </summary>
    public Uri? Address { get; set; }

    /// <summary>
    /// Deadline given to a unary <c>Broadcast</c> call that sets none itself, so a publish never hangs
    /// on an unresponsive service. <see langword="null"/> sets none. Streaming calls
    /// (<c>BroadcastStream</c>) are long-lived and never get a default deadline.
    /// </summary>
    public TimeSpan? DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks <see cref="SseBroadcasterOptions"/> when the host starts, or when the client is first resolved.</summary>
internal sealed class SseBroadcasterOptionsValidator : IValidateOptions<SseBroadcasterOptions>
{
    public ValidateOptionsResult Validate(string? name, SseBroadcasterOptions options)
    {
        var failures = new List<string>();
        if (AddressValidation.Check(options.Address, nameof(SseBroadcasterOptions), "gRPC", "http://localhost:8002") is { } addressError)
        {
            failures.Add(addressError);
        }

        if (options.DefaultDeadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(SseBroadcasterOptions)}.{nameof(SseBroadcasterOptions.DefaultDeadline)} must be positive, or null for none (was {deadline}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The rule both clients apply to their service address.</summary>
internal static class AddressValidation
{
    public static string? Check(Uri? address, string optionsName, string endpoint, string example)
    {
        if (address is null)
        {
            return $"{optionsName}.Address is required: set it to the {endpoint} endpoint of SseService, e.g. {example}.";
        }

        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            return $"{optionsName}.Address must be an absolute http:// or https:// URI, e.g. {example} (was '{address}').";
        }

        return null;
    }
}

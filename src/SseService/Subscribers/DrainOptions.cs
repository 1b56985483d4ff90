using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>How streams end when the service stops (<c>Sse:DrainWindow</c>).</summary>
public sealed class DrainOptions
{
    /// <summary>
    /// The window the open streams' reconnects are spread over on shutdown: each gets a <c>retry:</c>
    /// within it, then its end. Must fit in <c>Sse:ShutdownTimeout</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainWindow { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
internal sealed partial class DrainOptionsValidator : IValidateOptions<DrainOptions>;

/// <summary>The drain window must end before the host gives up on the streams.</summary>
internal sealed class DrainWithinShutdown(IOptions<HubOptions> hub) : IValidateOptions<DrainOptions>
{
    public ValidateOptionsResult Validate(string? name, DrainOptions options) =>
        options.DrainWindow < hub.Value.ShutdownTimeout || options.DrainWindow == TimeSpan.Zero
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Sse:DrainWindow ({options.DrainWindow}) must be shorter than Sse:ShutdownTimeout ({hub.Value.ShutdownTimeout}), so streams end before the host stops waiting");
}

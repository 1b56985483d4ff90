using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SseService.Admin;

/// <summary>
/// The self-contained admin page, loaded once from the assembly, with a Content-Security-Policy that
/// allows exactly its own inline script and style (by hash) and connections back to this origin.
/// </summary>
internal static partial class AdminPage
{
    private static readonly Lazy<(byte[] Html, string Policy)> s_page = new(Load);

    public static byte[] Html => s_page.Value.Html;

    public static string ContentSecurityPolicy => s_page.Value.Policy;

    private static (byte[], string) Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("SseService.Admin.admin.html")
            ?? throw new InvalidOperationException("the admin page is not embedded in the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var html = reader.ReadToEnd();

        var scripts = string.Join(' ', ScriptBlocks().Matches(html).Select(match => Hash(match.Groups[1].Value)));
        var styles = string.Join(' ', StyleBlocks().Matches(html).Select(match => Hash(match.Groups[1].Value)));
        var policy = "default-src 'none'; " +
            $"script-src {(scripts.Length > 0 ? scripts : "'none'")}; " +
            $"style-src {(styles.Length > 0 ? styles : "'none'")}; " +
            "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return (Encoding.UTF8.GetBytes(html), policy);
    }

    private static string Hash(string content) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(content)))}'";

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptBlocks();

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlocks();
}

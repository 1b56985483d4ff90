using System.Globalization;
using System.Text;
using CsCheck;
using Sse.V1;
using SseService.Hub;

namespace SseService.Tests.Properties;

/// <summary>
/// Inputs for the properties. Text is built from pieces chosen to hit the edges of the event-stream
/// format far more often than uniform characters would: CR, LF and CRLF runs, NUL and other control
/// characters, field-like text ("data: ", "id: ", ":"), leading spaces, BOM, U+2028 and NEL, astral
/// characters (surrogate pairs) and lone surrogates.
/// </summary>
/// <remarks>
/// Lone surrogates are generated on purpose wherever a property takes "any string". They cannot be
/// carried by UTF-8, so what arrives is the documented replacement: each becomes U+FFFD, because the
/// encoder (and protobuf, and <see cref="Uri.EscapeDataString"/>) use the replacing UTF-8 encoder.
/// The properties assert exactly that (<see cref="ExpectedEvent.OnTheWire"/>) rather than avoid it.
/// </remarks>
internal static class SseGen
{
    private static readonly Gen<string> Printable = Gen.Char[' ', '~'].Select(c => c.ToString());
    private static readonly Gen<string> Letters = Gen.String[Gen.Char.AlphaNumeric, 1, 6];
    private static readonly Gen<string> LineBreakRun = Gen.OneOf("\r", "\n", "\r\n").Array[1, 4].Select(string.Concat);
    private static readonly Gen<string> Control = Gen.OneOf(Gen.Char['\0', '\u001F'], Gen.Char['\u007F', '\u009F']).Select(c => c.ToString());
    private static readonly Gen<string> Bmp = Gen.OneOf(Gen.Char['\u00A0', '\uD7FF'], Gen.Char['\uE000', '\uFFFF']).Select(c => c.ToString());
    private static readonly Gen<string> Astral = Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32);
    private static readonly Gen<string> LoneSurrogate = Gen.Char['\uD800', '\uDFFF'].Select(c => c.ToString());
    private static readonly Gen<string> WireLike = Gen.OneOf(
        "data: ", "data:", "id: ", "event: ", "retry: 1000", ":", ": keep-alive", " ", "  ", "\t",
        "\0", "\uFEFF", "\uFFFD", "\u2028", "\u0085", "é", "🐶", "%", "%2F", "/", ".", "..");

    /// <summary>Any text: every piece above, line breaks and lone surrogates included.</summary>
    public static readonly Gen<string> AnyText = TextOf(
        [(6, Printable), (3, Letters), (3, LineBreakRun), (2, Control), (2, Bmp), (2, Astral), (1, LoneSurrogate), (3, WireLike)], 12);

    /// <summary>Any text, sometimes much longer (up to several hundred UTF-8 bytes), to cross size limits.</summary>
    public static readonly Gen<string> AnyData = Gen.Frequency(
        (4, AnyText),
        (1, TextOf([(6, Printable), (3, Letters), (3, LineBreakRun), (2, Bmp), (2, Astral), (1, LoneSurrogate), (3, WireLike)], 120)));

    /// <summary>Valid Unicode of 45 to 200 characters, half of them surrogate pairs: long enough to be shortened when quoted.</summary>
    public static readonly Gen<string> LongAstralText = Gen.Frequency((1, Printable), (1, Astral)).Array[45, 100].Select(string.Concat);

    /// <summary>An event type or id that validation lets through: no CR, LF or NUL; any length up to a few dozen.</summary>
    public static readonly Gen<string> ValidField = AnyText.Select(WithoutLineBreaksOrNul);

    /// <summary>An event type or id as a producer might send it: mostly valid, sometimes long, sometimes with CR, LF or NUL.</summary>
    public static readonly Gen<string> AnyField = Gen.Frequency(
        (6, ValidField),
        (2, AnyText),
        (1, TextOf([(4, Printable), (2, Astral), (1, LineBreakRun)], 90)),
        (1, Gen.Const("")));

    /// <summary>Retry hints: mostly none, some ordinary, and the extremes.</summary>
    public static readonly Gen<uint> Retry = Gen.Frequency(
        (4, Gen.Const(0u)),
        (3, Gen.UInt[1, 100_000]),
        (1, Gen.UInt),
        (1, Gen.OneOf(1u, 9u, 10u, uint.MaxValue)));

    /// <summary>One namespace segment as it may be typed: valid most of the time, sometimes empty, "." or "..", or with a control character.</summary>
    public static readonly Gen<string> AnySegment = Gen.Frequency(
        (8, TextOf([(6, Printable), (6, Letters), (2, Bmp), (2, Astral), (1, LoneSurrogate), (2, WireLike)], 5).Select(s => s.Replace("/", "", StringComparison.Ordinal))),
        (1, Gen.OneOf("", ".", "..", "...", ".a", "a.")),
        (1, Gen.Select(Letters, Control, (a, c) => a + c)));

    /// <summary>
    /// Any namespace text: absolute paths of such segments (with no, one or two trailing '/'), and
    /// some arbitrary strings and nulls that are mostly not paths at all.
    /// </summary>
    public static readonly Gen<string?> AnyNamespace = Gen.Frequency(
        (6, Gen.Select(AnySegment.Array[0, 6], Gen.OneOf("", "", "", "/", "//"), (segments, tail) => "/" + string.Join('/', segments) + tail).Select(s => (string?)s)),
        (2, AnyText.Select(s => (string?)s)),
        (1, Gen.OneOf<string?>(null, "", "/", "//", "/.", "/..", "pets", "/pets/", "/pets//")));

    /// <summary>A namespace a producer would normally send: "/" and up to three plain segments.</summary>
    public static readonly Gen<string> PlainNamespace = Letters.Array[0, 3].Select(segments => "/" + string.Join('/', segments));

    /// <summary>Limits a deployment might configure: tight ones that the inputs cross often, and the defaults.</summary>
    public static readonly Gen<NamespaceRules> Rules = Gen.Frequency(
        (3, Gen.Select(Gen.Int[1, 48], Gen.Int[1, 6], (length, depth) => new NamespaceRules(length, depth))),
        (1, Gen.Const(new NamespaceRules(256, 16))));

    /// <summary>Hub options with generated limits (namespace, event/id length, data size).</summary>
    public static readonly Gen<HubOptions> Options = Gen.Select(Rules, Gen.Int[1, 48], Gen.Int[1, 256], (rules, fieldLength, dataBytes) => new HubOptions
    {
        MaxNamespaceLength = rules.MaxLength,
        MaxNamespaceDepth = rules.MaxDepth,
        MaxFieldLength = fieldLength,
        MaxDataBytes = dataBytes,
    });

    /// <summary>
    /// Any producer message: every field arbitrary. Half of the namespaces are plain ones, so that the
    /// other fields are not always hidden behind a refused namespace.
    /// </summary>
    public static readonly Gen<SseMessage> AnyMessage = Gen.Select(Gen.Frequency((1, AnyNamespace), (1, PlainNamespace.Select(s => (string?)s))), AnyField, AnyField, AnyData, Retry,
        (ns, eventType, id, data, retry) => new SseMessage { Namespace = ns ?? "", Event = eventType, Id = id, Data = data, RetryMs = retry });

    /// <summary>Prints a string as a C# literal: control characters and every surrogate escaped, so a counterexample can be pasted.</summary>
    public static string Show(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                '\r' => builder.Append("\\r"),
                '\n' => builder.Append("\\n"),
                '\0' => builder.Append("\\0"),
                _ when char.IsControl(c) || char.IsSurrogate(c) || c is '\uFEFF' or '\uFFFD' or '\u2028' => builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Prints a producer message with every field shown as a literal.</summary>
    public static string Show(SseMessage message) =>
        $"SseMessage {{ Namespace = {Show(message.Namespace)}, Event = {Show(message.Event)}, Id = {Show(message.Id)}, Data = {Show(message.Data)}, RetryMs = {message.RetryMs} }}";

    private static Gen<string> TextOf((int Weight, Gen<string> Piece)[] pieces, int maxPieces) =>
        Gen.Frequency([.. pieces.Select(p => (p.Weight, (IGen<string>)p.Piece))]).Array[0, maxPieces].Select(string.Concat);

    private static string WithoutLineBreaksOrNul(string value) =>
        value.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\0", "", StringComparison.Ordinal);
}

using System.Text.RegularExpressions;

namespace SseService.Tests.Examples;

/// <summary>
/// The commands README.md shows in one-line code blocks, each with the code block that follows it
/// (its output), read from the file itself so that tests and README cannot drift apart.
/// </summary>
internal sealed class ReadmeCommands
{
    private readonly List<string> _blocks;

    private ReadmeCommands(List<string> blocks) => _blocks = blocks;

    public static ReadmeCommands Load()
    {
        var blocks = new List<string>();
        List<string>? current = null;
        foreach (var line in File.ReadAllLines(RepositoryRoot.Combine("README.md")))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (current is null)
                {
                    current = [];
                }
                else
                {
                    blocks.Add(string.Join('\n', current));
                    current = null;
                }
            }
            else
            {
                current?.Add(line);
            }
        }

        return new ReadmeCommands(blocks);
    }

    /// <summary>Every one-line code block matching <paramref name="command"/> (whole line), with the block after it.</summary>
    public IReadOnlyList<(Match Command, string Output)> Find(Regex command)
    {
        var found = new List<(Match, string)>();
        for (var i = 0; i + 1 < _blocks.Count; i++)
        {
            var match = command.Match(_blocks[i].Trim());
            if (match.Success && match.Length == _blocks[i].Trim().Length)
            {
                found.Add((match, _blocks[i + 1]));
            }
        }

        Assert.True(found.Count > 0, $"README.md shows no command like {command}");
        return found;
    }

    /// <summary>The one command matching <paramref name="command"/> whose output satisfies <paramref name="output"/>.</summary>
    public (Match Command, string Output) Single(Regex command, Func<string, bool> output) =>
        Assert.Single(Find(command), found => output(found.Output));
}

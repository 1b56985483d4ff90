using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Reflection.V1;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Examples;

/// <summary>
/// README.md's grpcurl commands replayed with a .NET client through server reflection, as grpcurl
/// works: the same requests (parsed from README's JSON) and replies shaped as README's output blocks.
/// </summary>
public sealed partial class ReadmeGrpcurlTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GrpcurlList_ServerReflection_ListsExactlyReadmeServices()
    {
        // Arrange
        var (_, readmeOutput) = Assert.Single(ReadmeCommands.Load().Find(ListCommand()));
        await using var service = await TestService.StartAsync();

        // Act
        var response = await ReflectAsync(service, new ServerReflectionRequest { ListServices = "" });

        // Assert: grpcurl prints the names sorted, one per line; README's block must be exactly that.
        var listed = response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(listed, readmeOutput.Trim().Split('\n'));
        Assert.Contains("sse.v1.Broadcaster", listed);
        Assert.Contains("grpc.health.v1.Health", listed);
        Assert.Contains(listed, name => name.StartsWith("grpc.reflection.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GrpcurlDescribe_Broadcaster_DescribesBroadcastAndBroadcastStream()
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act: what `grpcurl describe sse.v1.Broadcaster` asks for.
        var response = await ReflectAsync(service, new ServerReflectionRequest { FileContainingSymbol = "sse.v1.Broadcaster" });

        // Assert
        var file = Assert.Single(
            response.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom),
            f => f.Service.Any(s => s.Name == "Broadcaster"));
        Assert.Equal("sse.v1", file.Package);
        var methods = file.Service.Single(s => s.Name == "Broadcaster").Method.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        Assert.Collection(
            methods,
            broadcast =>
            {
                Assert.Equal(("Broadcast", ".sse.v1.SseMessage", ".sse.v1.BroadcastReply"), (broadcast.Name, broadcast.InputType, broadcast.OutputType));
                Assert.False(broadcast.ClientStreaming);
                Assert.False(broadcast.ServerStreaming);
            },
            stream =>
            {
                Assert.Equal(("BroadcastStream", ".sse.v1.SseMessage", ".sse.v1.BroadcastSummary"), (stream.Name, stream.InputType, stream.OutputType));
                Assert.True(stream.ClientStreaming);
                Assert.False(stream.ServerStreaming);
            },
            subscribe =>
            {
                Assert.Equal(("Subscribe", ".sse.v1.SubscribeRequest", ".sse.v1.SseEvent"), (subscribe.Name, subscribe.InputType, subscribe.OutputType));
                Assert.False(subscribe.ClientStreaming);
                Assert.True(subscribe.ServerStreaming);
            });
        Assert.Equal(["BroadcastReply", "BroadcastSummary", "SseEvent", "SseMessage", "SubscribeRequest"], file.MessageType.Select(m => m.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GrpcurlBroadcast_ReadmeRequest_ReplyShapedAsReadmeOutput()
    {
        // Arrange
        var (command, readmeOutput) = ReadmeCommands.Load().Single(BroadcastCommand(), output => output.TrimStart().StartsWith('{'));
        var message = JsonParser.Default.Parse<SseMessage>(command.Groups["json"].Value);
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe" + message.Namespace);

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(message, deadline: DateTime.UtcNow.Add(CallTimeout));

        // Assert
        AssertShapedAs(readmeOutput, JsonFormatter.Default.Format(reply), idProperty: "id");
        var received = await subscriber.ReadAsync();
        Assert.NotNull(received);
        Assert.Equal((message.Event, message.Data, reply.Id), (received.Value.EventType, received.Value.Data, received.Value.EventId));
    }

    [Fact]
    public async Task GrpcurlBroadcastStream_ReadmeRequests_SummaryShapedAsReadmeOutput()
    {
        // Arrange: printf's '\n' separates the JSON messages grpcurl reads from standard input.
        var (command, readmeOutput) = Assert.Single(ReadmeCommands.Load().Find(BroadcastStreamCommand()));
        var messages = command.Groups["lines"].Value.Split(@"\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(JsonParser.Default.Parse<SseMessage>)
            .ToList();
        Assert.Equal(2, messages.Count);
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe" + messages[0].Namespace);

        // Act
        using var call = service.Broadcaster.BroadcastStream(deadline: DateTime.UtcNow.Add(CallTimeout));
        foreach (var message in messages)
        {
            await call.RequestStream.WriteAsync(message);
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call.ResponseAsync;

        // Assert
        AssertShapedAs(readmeOutput, JsonFormatter.Default.Format(summary), idProperty: "lastId");
        var received = await subscriber.ReadManyAsync(messages.Count);
        Assert.Equal(messages.Select(m => m.Data), received.Select(e => e.Data));
        Assert.Equal(summary.LastId, received[^1].EventId);
    }

    [Fact]
    public async Task GrpcurlSubscribe_ReadmeRequest_GetsTheReadmeBroadcastShapedAsReadmeOutput()
    {
        // Arrange
        var (command, readmeOutput) = Assert.Single(ReadmeCommands.Load().Find(SubscribeCommand()));
        var request = JsonParser.Default.Parse<SubscribeRequest>(command.Groups["json"].Value);
        var (broadcast, _) = ReadmeCommands.Load().Single(BroadcastCommand(), output => output.TrimStart().StartsWith('{'));
        var message = JsonParser.Default.Parse<SseMessage>(broadcast.Groups["json"].Value);
        await using var service = await TestService.StartAsync();
        using var call = service.Broadcaster.Subscribe(request, deadline: DateTime.UtcNow.Add(CallTimeout));
        await call.ResponseHeadersAsync; // subscribed

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(message, deadline: DateTime.UtcNow.Add(CallTimeout));

        // Assert
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var received = call.ResponseStream.Current;
        AssertShapedAs(readmeOutput, JsonFormatter.Default.Format(received), idProperty: "id");
        Assert.Equal(reply.Id, received.Id);
    }

    [Fact]
    public async Task GrpcurlBroadcast_ReadmeBadRequest_FailsWithReadmeCodeAndMessage()
    {
        // Arrange
        var (command, readmeOutput) = ReadmeCommands.Load().Single(BroadcastCommand(), output => output.TrimStart().StartsWith("ERROR:", StringComparison.Ordinal));
        var message = JsonParser.Default.Parse<SseMessage>(command.Groups["json"].Value);
        var expected = ErrorOutput().Match(readmeOutput);
        Assert.True(expected.Success, $"README's error block is not grpcurl's shape:\n{readmeOutput}");
        await using var service = await TestService.StartAsync();

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => service.Broadcaster.BroadcastAsync(message, deadline: DateTime.UtcNow.Add(CallTimeout)).ResponseAsync);

        // Assert: grpcurl names the code as Go does, which is the C# enum's name.
        Assert.Equal(expected.Groups["code"].Value, error.StatusCode.ToString());
        Assert.Equal(expected.Groups["message"].Value, error.Status.Detail);
    }

    /// <summary>
    /// The reply has README's fields in README's order with the same JSON kinds and values, except the
    /// id, which differs per run and must be a decimal number in both.
    /// </summary>
    private static void AssertShapedAs(string readmeJson, string actualJson, string idProperty)
    {
        using var expected = JsonDocument.Parse(readmeJson);
        using var actual = JsonDocument.Parse(actualJson);
        Assert.Equal(
            expected.RootElement.EnumerateObject().Select(p => p.Name),
            actual.RootElement.EnumerateObject().Select(p => p.Name));
        foreach (var property in expected.RootElement.EnumerateObject())
        {
            var value = actual.RootElement.GetProperty(property.Name);
            if (property.Name == idProperty)
            {
                Assert.Matches("^[0-9]+$", property.Value.GetString());
                Assert.Matches("^[0-9]+$", value.GetString());
            }
            else
            {
                Assert.Equal(property.Value.GetRawText(), value.GetRawText());
            }
        }
    }

    /// <summary>Sends one request over the reflection stream (v1, which grpcurl tries first) and returns its one response.</summary>
    private static async Task<ServerReflectionResponse> ReflectAsync(TestService service, ServerReflectionRequest request)
    {
        var client = new ServerReflection.ServerReflectionClient(service.Channel);
        using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow.Add(CallTimeout));
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var response = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotEqual(ServerReflectionResponse.MessageResponseOneofCase.ErrorResponse, response.MessageResponseCase);
        return response;
    }

    [GeneratedRegex(@"^grpcurl -plaintext localhost:8002 list$")]
    private static partial Regex ListCommand();

    [GeneratedRegex(@"^grpcurl -plaintext -d '(?<json>[^']*)' localhost:8002 sse\.v1\.Broadcaster/Broadcast$")]
    private static partial Regex BroadcastCommand();

    [GeneratedRegex(@"^printf '(?<lines>[^']*)' \| grpcurl -plaintext -d @ localhost:8002 sse\.v1\.Broadcaster/BroadcastStream$")]
    private static partial Regex BroadcastStreamCommand();

    [GeneratedRegex(@"^grpcurl -plaintext -d '(?<json>[^']*)' localhost:8002 sse\.v1\.Broadcaster/Subscribe$")]
    private static partial Regex SubscribeCommand();

    [GeneratedRegex(@"^ERROR:\n  Code: (?<code>\w+)\n  Message: (?<message>.+)$")]
    private static partial Regex ErrorOutput();
}

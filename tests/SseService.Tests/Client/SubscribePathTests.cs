using SseService.Client;

namespace SseService.Tests.Client;

public sealed class SubscribePathTests
{
    [Theory]
    [InlineData("/", "subscribe/")]
    [InlineData("/pets", "subscribe/pets")]
    [InlineData("/pets/", "subscribe/pets")]
    [InlineData("/pets/dogs", "subscribe/pets/dogs")]
    [InlineData("/café", "subscribe/caf%C3%A9")]
    [InlineData("/a b/50%", "subscribe/a%20b/50%25")]
    public void SubscribePath_Namespace_IsEncodedSegmentBySegment(string ns, string expected)
    {
        Assert.Equal(expected, SseSubscriptionClient.SubscribePath(ns));
    }

    [Theory]
    [InlineData(new[] { "/pets" }, "subscribe/pets")]
    [InlineData(new[] { "/pets", "/time/utc", "/café/" }, "subscribe/pets?namespace=%2Ftime%2Futc&namespace=%2Fcaf%C3%A9")]
    [InlineData(new[] { "/", "/a b" }, "subscribe/?namespace=%2Fa%20b")]
    public void SubscribePath_SeveralNamespaces_FirstInThePathOthersInTheQuery(string[] namespaces, string expected)
    {
        Assert.Equal(expected, SseSubscriptionClient.SubscribePath(namespaces));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/pets time")]
    [InlineData("/pets /a/../b")]
    public void SubscribeAsync_SeveralNamespacesOneNotCanonical_ThrowsArgumentExceptionAtOnce(string spaceSeparated)
    {
        var namespaces = spaceSeparated.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1") };
        var client = new SseSubscriptionClient(http);

        Assert.ThrowsAny<ArgumentException>(() => client.SubscribeAsync(namespaces));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pets")]
    [InlineData("/a//b")]
    [InlineData("/a/./b")]
    [InlineData("/a/../b")]
    public void SubscribeAsync_NotACanonicalNamespace_ThrowsArgumentExceptionAtOnce(string ns)
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1") };
        var client = new SseSubscriptionClient(http);

        Assert.ThrowsAny<ArgumentException>(() => client.SubscribeAsync(ns));
    }

    [Theory]
    [InlineData("http://sse.example/", "http://sse.example/subscribe/pets")]
    [InlineData("http://sse.example/base", "http://sse.example/base/subscribe/pets")]
    [InlineData("http://sse.example/base/", "http://sse.example/base/subscribe/pets")]
    public void SubscribeUri_AddressWithPath_KeepsThePath(string address, string expected)
    {
        Assert.Equal(new Uri(expected), new Uri(SseSubscriptionClient.BaseAddressOf(new Uri(address)), SseSubscriptionClient.SubscribePath("/pets")));
    }
}

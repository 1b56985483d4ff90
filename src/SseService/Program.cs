using SseService;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSseService();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapSseService();

app.Run();

/// <summary>Entry point; public so tests can locate the assembly.</summary>
public partial class Program;

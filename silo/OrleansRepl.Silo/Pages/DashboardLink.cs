using System.Text;

namespace OrleansRepl.Silo.Pages;

/// <summary>
/// Links the Orleans Dashboard to the replication page: its HTML page (only that, and only a successful GET) gets a
/// fixed link to <see cref="ReplicationPage.Path"/> before <c>&lt;/body&gt;</c>. The dashboard's own files and
/// API pass untouched.
/// </summary>
public static class DashboardLink
{
    public const string LinkId = "orepl-replication-link";

    private const string Link = $"""<a id="{LinkId}" href="../replication" style="position:fixed;right:18px;bottom:18px;z-index:2000;padding:8px 14px;border-radius:6px;background:#1f6feb;color:#fff !important;font:600 14px system-ui,sans-serif;text-decoration:none;box-shadow:0 2px 6px rgba(0,0,0,.3)">Replication &#8599;</a>""";

    public static void UseDashboardLink(this WebApplication app, string dashboardPrefix)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (!HttpMethods.IsGet(context.Request.Method) || (path != dashboardPrefix && path != dashboardPrefix + "/" && path != dashboardPrefix + "/index.html"))
            {
                await next(context);
                return;
            }

            context.Request.Headers.AcceptEncoding = "identity"; // the page is rewritten as text
            var original = context.Response.Body;
            using var buffer = new MemoryStream();
            context.Response.Body = buffer;
            try
            {
                await next(context);
            }
            finally
            {
                context.Response.Body = original;
            }

            var bytes = buffer.ToArray();
            if (context.Response.StatusCode == StatusCodes.Status200OK && context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                var page = Encoding.UTF8.GetString(bytes);
                var end = page.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
                bytes = Encoding.UTF8.GetBytes(end < 0 ? page + Link : page.Insert(end, Link));
                context.Response.ContentLength = bytes.Length;
            }

            await original.WriteAsync(bytes, context.RequestAborted);
        });
    }
}

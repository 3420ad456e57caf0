using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansRepl.Core.Security;

/// <summary>
/// A node's (or client's) TLS identity: its certificate and key, and the cluster's CAs that every peer's certificate
/// must chain to. Checked whole when loaded, so a bad file stops start-up with its name and the reason. The files are
/// looked at again at most every <see cref="TlsSettings.ReloadCheckSeconds"/>; a changed set that checks out is used
/// by every new connection, and one that does not is logged and ignored (the last good one stays).
/// </summary>
public sealed partial class TlsIdentity
{
    /// <summary>A certificate this close to its end is warned about at every load.</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);

    private readonly TlsSettings _settings;
    private readonly bool _serves;
    private readonly TimeProvider _time;
    private ILogger _logger;
    private readonly Lock _reloadGate = new();
    private TlsMaterial _material;
    private long _nextCheck;

    private TlsIdentity(TlsSettings settings, bool serves, TimeProvider time, ILogger logger, TlsMaterial material)
    {
        _settings = settings;
        _serves = serves;
        _time = time;
        _logger = logger;
        _material = material;
        _nextCheck = time.GetTimestamp() + Interval;
    }

    /// <summary>
    /// Reads and checks the files <paramref name="settings"/> name. A node's certificate (<paramref name="serves"/>)
    /// must allow both server and client authentication; a client's, client authentication.
    /// </summary>
    /// <exception cref="TlsConfigurationException">A file is missing, unreadable, readable by others (the key), mismatched, out of date, or not vouched for by the CA.</exception>
    public static TlsIdentity Load(TlsSettings settings, bool serves, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Plaintext || settings.Problems() is { Count: > 0 })
        {
            throw new TlsConfigurationException(settings.Plaintext ? "TLS is off (Tls:Plaintext=true); there is no identity to load" : string.Join("; ", settings.Problems()));
        }

        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        var material = TlsMaterial.Read(settings, serves, time.GetUtcNow());
        var identity = new TlsIdentity(settings, serves, time, logger, material);
        identity.WarnIfExpiring(material);
        return identity;
    }

    /// <summary>The certificate (with its key) this side presents now.</summary>
    public X509Certificate2 Certificate => Current.Certificate;

    /// <summary>The CAs a peer's certificate may chain to, as last read.</summary>
    public X509Certificate2Collection Authorities => Current.Authorities;

    /// <summary>The CA bundle file: what a client trusts the nodes' HTTPS by.</summary>
    public string CaFile => _settings.ResolvedCaFile;

    /// <summary>One line for logs and the demo: whose certificate, issued by whom, until when.</summary>
    public string Describe()
    {
        var certificate = Certificate;
        return $"{certificate.Subject}, issued by {certificate.Issuer}, valid until {certificate.NotAfter.ToUniversalTime():u}";
    }

    /// <summary>Null when <paramref name="remote"/> chains to the cluster's CA, whatever its use: for the Orleans connections, whose check is told neither side's role.</summary>
    public string? CheckPeer(X509Certificate? remote) => Check(remote, null);

    /// <summary>
    /// Sends this identity's log (rotations read or refused, a certificate near its end) to <paramref name="logger"/>
    /// from now on, and warns at once if the certificate ends within <see cref="ExpiryWarning"/>.
    /// </summary>
    public void LogTo(ILogger logger)
    {
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        WarnIfExpiring(Current);
    }

    /// <summary>Null when <paramref name="remote"/>, a peer that connected to this side, chains to the cluster's CA as a client; otherwise why not.</summary>
    public string? CheckClient(X509Certificate? remote) => Check(remote, CertificateTrust.ClientAuthentication);

    /// <summary>Null when <paramref name="remote"/>, a node this side connected to, chains to the cluster's CA as a server; otherwise why not.</summary>
    public string? CheckServer(X509Certificate? remote) => Check(remote, CertificateTrust.ServerAuthentication);

    /// <summary>The options for accepting one connection: this certificate, a client certificate required and checked, TLS 1.2 or 1.3. A refused client's reason goes to <paramref name="refusal"/>.</summary>
    public SslServerAuthenticationOptions ServerOptions(Action<string> refusal) => new()
    {
        ServerCertificateContext = Current.Context,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,

        // Every session is a full handshake: a resumed one carries no certificates, and the channel binding is
        // made of both (and a client certificate is checked on every connection, not only on the first).
        AllowTlsResume = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Verdict(CheckClient(certificate), refusal),
    };

    /// <summary>The options for connecting to a node: this certificate as the client's, the node's checked against the CA. A refused server's reason goes to <paramref name="refusal"/>.</summary>
    public SslClientAuthenticationOptions ClientOptions(Action<string> refusal) => new()
    {
        // Nodes are reached by address and vouched for by the CA and then the handshake's proof, not by a host name.
        TargetHost = "orepl",
        ClientCertificateContext = Current.Context,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        AllowTlsResume = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Verdict(CheckServer(certificate), refusal),
    };

    private static bool Verdict(string? problem, Action<string> refusal)
    {
        if (problem is not null)
        {
            refusal(problem);
        }

        return problem is null;
    }

    private string? Check(X509Certificate? remote, System.Security.Cryptography.Oid? usage)
    {
        if (remote is null)
        {
            return "the peer presented no certificate; every node and client needs one issued by the cluster's CA";
        }

        var certificate = remote as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
        return CertificateTrust.Check(certificate, Current.Authorities, null, usage);
    }

    private long Interval => (long)(_settings.ReloadCheckSeconds * _time.TimestampFrequency);

    private TlsMaterial Current
    {
        get
        {
            var material = Volatile.Read(ref _material);
            var now = _time.GetTimestamp();
            if (now < Interlocked.Read(ref _nextCheck) || !_reloadGate.TryEnter())
            {
                return material;
            }

            try
            {
                Interlocked.Exchange(ref _nextCheck, now + Interval);
                return Reload(Volatile.Read(ref _material)); // as another thread may have left it a moment ago
            }
            finally
            {
                _reloadGate.Exit();
            }
        }
    }

    private TlsMaterial Reload(TlsMaterial material)
    {
        try
        {
            if (FileStamp.Of(_settings.ResolvedCaFile, _settings.ResolvedCertificateFile, _settings.ResolvedKeyFile) == material.Stamp)
            {
                return material;
            }

            var fresh = TlsMaterial.Read(_settings, _serves, _time.GetUtcNow());
            Volatile.Write(ref _material, fresh);
            LogReloaded(_logger, fresh.Certificate.Subject, fresh.Certificate.NotAfter.ToUniversalTime());
            WarnIfExpiring(fresh);
            return fresh;
        }
        catch (TlsConfigurationException e)
        {
            LogReloadRefused(_logger, e.Message, material.Certificate.Subject, material.Certificate.NotAfter.ToUniversalTime());
            return material;
        }
    }

    private void WarnIfExpiring(TlsMaterial material)
    {
        var left = material.Certificate.NotAfter - _time.GetUtcNow().UtcDateTime;
        if (left < ExpiryWarning)
        {
            LogExpiring(_logger, material.Certificate.Subject, material.Certificate.NotAfter.ToUniversalTime(), left.TotalDays);
        }
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "TLS files changed: now presenting {Subject}, valid until {NotAfter:u}")]
    private static partial void LogReloaded(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Error, Message = "TLS files changed but cannot be used ({Reason}); still presenting {Subject}, valid until {NotAfter:u}")]
    private static partial void LogReloadRefused(ILogger logger, string reason, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "TLS certificate {Subject} expires at {NotAfter:u}, in {Days:F1} days: rotate it (the files are read again when they change)")]
    private static partial void LogExpiring(ILogger logger, string subject, DateTime notAfter, double days);
}

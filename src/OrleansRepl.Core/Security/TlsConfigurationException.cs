namespace OrleansRepl.Core.Security;

/// <summary>The TLS files cannot be used: missing, unreadable, mismatched, expired, or not issued by the cluster's CA. The message names the file and the reason.</summary>
public sealed class TlsConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

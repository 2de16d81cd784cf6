package io.pgmux.proxy.client;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.auth.UserNameMap;
import io.pgmux.proxy.config.HbaMethod;
import io.pgmux.proxy.config.HbaRule;
import io.pgmux.proxy.config.IdentMaps;
import io.pgmux.proxy.util.ClientText;

/**
 * What an HBA rule asks of a TLS client's certificate, as Postgres does: under method {@code cert}
 * (which implies {@code clientcert=verify-full}) or option {@code clientcert}, a certificate the
 * handshake verified against {@code client_tls.ca_file}; under verify-full, also its name (CN, or DN
 * with {@code clientname=DN}) equal to the user, or mapped to it by the rule's {@code map}. The client
 * learns only Postgres's words; the log says which check failed.
 */
final class CertificateLogin {
    private CertificateLogin() {
    }

    /** Null when the rule asks nothing of the certificate or the certificate passes; else the failure to report. */
    static ClientAuthenticator.Failure check(HbaRule rule, ClientTls tls, IdentMaps maps, String user) {
        HbaRule.Options options = rule.options();
        if (options.clientCert() == HbaRule.ClientCert.OFF) {
            return null;
        }
        if (!tls.hasPeerCertificate()) {
            return new ClientAuthenticator.Failure(ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "connection requires a valid client certificate"), "hba rule " + rule.source() + " asks for a client certificate;"
                    + " the client sent none");
        }
        if (options.clientCert() == HbaRule.ClientCert.VERIFY_CA) {
            return null;
        }
        String name = tls.peerName(options.clientName());
        if (name == null || name.isEmpty()) {
            return failed(rule, user, "the client certificate contains no user name (" + options.clientName() + ")");
        }
        if (!UserNameMap.permits(maps, options.map(), name, user)) {
            return failed(rule, user, "the certificate's " + options.clientName() + " \"" + ClientText.name(name) + "\" "
                    + (options.map() == null ? "is not the user name" : "does not map to the user in map \"" + options.map() + "\""));
        }
        return null;
    }

    private static ClientAuthenticator.Failure failed(HbaRule rule, String user, String reason) {
        String method = rule.method() == HbaMethod.CERT ? "certificate authentication" : "certificate validation (clientcert=verify-full)";
        return new ClientAuthenticator.Failure(ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                "certificate authentication failed for user \"" + ClientText.name(user) + "\""),
                method + " by hba rule " + rule.source() + ": " + reason);
    }
}

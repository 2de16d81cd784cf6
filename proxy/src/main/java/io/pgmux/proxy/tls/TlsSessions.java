package io.pgmux.proxy.tls;

import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLSession;

/** How SHOW CLIENTS and SHOW SERVERS describe a TLS connection in their {@code tls} column, as PgBouncer 1.25 does. */
public final class TlsSessions {
    private TlsSessions() {
    }

    /**
     * {@code TLSv1.3/TLS_AES_256_GCM_SHA384}: protocol and cipher (the JDK and tcnative do not tell the
     * key exchange group, which PgBouncer adds after another slash); "" for a connection without TLS.
     */
    public static String describe(SslHandler handler) {
        if (handler == null) {
            return "";
        }
        SSLSession session = handler.engine().getSession();
        return session.getProtocol() + "/" + session.getCipherSuite();
    }
}

package io.pgmux.proxy.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.sql.FeatureUse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One statement, by content, shared by every client of a pool that prepared the same text: the
 * name it has on servers ({@code pgmux_} and a hash of its key, so the same content always gets
 * the same name) and whether a server has ever accepted it.
 */
public final class PreparedStatement {
    private static final String NAME_PREFIX = "pgmux_";

    private final StatementKey key;
    private final String serverName;
    /** {@link #serverName} in UTF-8, written into every Bind that names the statement (no encoding per Bind). */
    private final byte[] serverNameBytes;
    /** Clients holding a name for this statement; the registry forgets it at zero. */
    final AtomicInteger clientReferences = new AtomicInteger();
    /** A server parsed it without error: a client's Parse of it can be answered without a server. */
    private volatile boolean validated;
    /** Whether running it may change session settings pgmux cannot follow; null until a client checked. */
    private volatile Boolean changesSessionSettings;
    /** What running it does to session features (LISTEN, advisory locks...); null until a client checked. */
    private volatile List<FeatureUse> sessionFeatures;

    PreparedStatement(StatementKey key) {
        this.key = key;
        this.serverName = NAME_PREFIX + hash(key);
        this.serverNameBytes = serverName.getBytes(StandardCharsets.UTF_8);
    }

    public StatementKey key() {
        return key;
    }

    public String serverName() {
        return serverName;
    }

    /** The server name's bytes (UTF-8, no terminator); the array is shared: do not change it. */
    public byte[] serverNameBytes() {
        return serverNameBytes;
    }

    /** How many client names refer to this statement now. */
    public int clientReferences() {
        return clientReferences.get();
    }

    public boolean isValidated() {
        return validated;
    }

    void markValidated() {
        validated = true;
    }

    /** Whether running it may change session settings pgmux cannot follow; null until {@link #rememberChangesSessionSettings}. */
    public Boolean changesSessionSettings() {
        return changesSessionSettings;
    }

    /** The answer of the check of its text (the same for every client: it depends on the text only). */
    public void rememberChangesSessionSettings(boolean changes) {
        changesSessionSettings = changes;
    }

    /** What running it does to session features; null until {@link #rememberSessionFeatures}. */
    public List<FeatureUse> sessionFeatures() {
        return sessionFeatures;
    }

    /** The answer of the check of its text (read with {@code standard_conforming_strings} on). */
    public void rememberSessionFeatures(List<FeatureUse> uses) {
        sessionFeatures = uses;
    }

    /**
     * Whether a Parse cannot create it: an SQL PREPARE declared its parameter types by name. Such a
     * statement is created by running {@link #prepareSql()}.
     */
    public boolean declaresTypesByName() {
        return key.sqlParameterTypes() != null;
    }

    /** The SQL PREPARE that creates this statement on a server under its server name. */
    public String prepareSql() {
        return "PREPARE " + serverName + (key.sqlParameterTypes() != null ? " (" + key.sqlParameterTypes() + ")" : "")
                + " AS " + key.query();
    }

    /** The Parse that creates this statement on a server (see {@link #declaresTypesByName()}). */
    public ByteBuf parseMessage(ByteBufAllocator alloc) {
        return new Parse(serverName, key.query(), key.parameterTypes()).encode(alloc);
    }


    private static String hash(StatementKey key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(key.query().getBytes(StandardCharsets.UTF_8));
            for (int type : key.parameterTypes()) {
                sha.update(new byte[] {0, (byte) (type >>> 24), (byte) (type >>> 16), (byte) (type >>> 8), (byte) type});
            }
            if (key.searchPath() != null) {
                sha.update((byte) 1);
                sha.update(key.searchPath().getBytes(StandardCharsets.UTF_8));
            }
            if (key.sqlParameterTypes() != null) {
                sha.update((byte) 2);
                sha.update(key.sqlParameterTypes().getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public String toString() {
        return serverName;
    }
}

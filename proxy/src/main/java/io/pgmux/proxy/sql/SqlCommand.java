package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;

/**
 * One of the few SQL commands pgmux must recognise when it makes up a whole statement:
 * {@code DEALLOCATE}, {@code PREPARE} (not {@code PREPARE TRANSACTION}), {@code DISCARD ALL}, and
 * the session settings a client changes ({@code SET [SESSION] name TO|= value}, {@code SET SCHEMA},
 * {@code SET ROLE}, {@code SET name TO DEFAULT}, {@code RESET name|ALL}); {@link #OTHER} for
 * everything else.
 *
 * @param name  the setting a SET or RESET changes, or the statement a DEALLOCATE names
 * @param value the value a SET gives
 */
public record SqlCommand(Kind kind, String name, String value) {
    public enum Kind {
        /** {@code DEALLOCATE [PREPARE] name}. */
        DEALLOCATE,
        /** {@code DEALLOCATE [PREPARE] ALL}. */
        DEALLOCATE_ALL,
        /** {@code PREPARE name AS ...}, an SQL-level prepared statement. */
        PREPARE,
        /** A setting given a value for the session. */
        SET,
        /** A setting back to its default for the session ({@code RESET name}, {@code SET name TO DEFAULT}). */
        RESET,
        RESET_ALL,
        DISCARD_ALL,
        /** Changes session state in a way pgmux does not follow: its server must be reset before others use it. */
        UNFOLLOWED,
        OTHER
    }

    public static final SqlCommand OTHER = new SqlCommand(Kind.OTHER, null, null);
    public static final SqlCommand UNFOLLOWED = new SqlCommand(Kind.UNFOLLOWED, null, null);
    private static final byte[][] KEYWORDS = {
        QueryBytes.ascii("deallocate"), QueryBytes.ascii("prepare"), QueryBytes.ascii("set"), QueryBytes.ascii("reset"), QueryBytes.ascii("discard")};

    /**
     * Classifies the null-terminated SQL text starting at {@code start} in {@code buf}, read as one
     * statement. The first word is compared as bytes (after white space; a text that starts with a
     * comment is decoded to look past it), so the text of ordinary queries is never decoded.
     */
    public static SqlCommand of(ByteBuf buf, int start) {
        return of(QueryScan.of(buf, start));
    }

    /** The same, for a text other readers look at too. */
    public static SqlCommand of(QueryScan text) {
        int first = text.first();
        boolean comment = text.startsWithComment();
        if (!comment && first != 'd' && first != 'p' && first != 's' && first != 'r') {
            return OTHER;
        }
        for (byte[] keyword : KEYWORDS) {
            if (comment || text.firstWordIs(keyword)) {
                return text.end() < 0 ? OTHER : parse(text.textFromFirstWord());
            }
        }
        return OTHER;
    }

    /** Classifies one decoded statement. */
    public static SqlCommand parse(String sql) {
        return CommandReader.read(sql);
    }

    public boolean isDeallocate() {
        return kind == Kind.DEALLOCATE || kind == Kind.DEALLOCATE_ALL;
    }

    public boolean deallocatesAll() {
        return kind == Kind.DEALLOCATE_ALL;
    }

    public boolean isPrepare() {
        return kind == Kind.PREPARE;
    }

    public boolean isUnfollowed() {
        return kind == Kind.UNFOLLOWED;
    }

    public boolean changesSetting() {
        return kind == Kind.SET || kind == Kind.RESET || kind == Kind.RESET_ALL;
    }

    /** The statement name of a DEALLOCATE. */
    public String statementName() {
        return name;
    }
}

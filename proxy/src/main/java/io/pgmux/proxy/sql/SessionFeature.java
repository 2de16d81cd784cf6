package io.pgmux.proxy.sql;

/**
 * Session state a statement can leave on its server that outlives the transaction, which pgmux
 * follows under transaction pooling: whoever got the server next would see it (issue 12).
 */
public enum SessionFeature {
    /** {@code LISTEN channel}: notifications go to the session that listens. */
    LISTEN("listen"),
    /** A session-level advisory lock ({@code pg_advisory_lock}, {@code pg_try_advisory_lock}, the shared ones). */
    ADVISORY_LOCK("advisory_lock"),
    /** A temporary table, view or sequence. */
    TEMP_OBJECT("temp_table"),
    /** A cursor declared {@code WITH HOLD}, which outlives its transaction. */
    HOLD_CURSOR("hold_cursor"),
    /** {@code LOAD 'library'}: stays loaded for the session. */
    LOAD("load");

    private final String shownName;

    SessionFeature(String shownName) {
        this.shownName = shownName;
    }

    /** How SHOW CLIENTS, metrics and logs name it. */
    public String shownName() {
        return shownName;
    }
}

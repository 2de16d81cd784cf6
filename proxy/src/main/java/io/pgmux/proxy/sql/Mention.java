package io.pgmux.proxy.sql;

/**
 * A word that the readers of session state look for anywhere in a query's text before they decode
 * it ({@link MentionReader}): a mention may be a command, a function or a table pgmux must follow.
 */
enum Mention {
    ADVISORY("advisory"), TEMP("temp"), LISTEN("listen"), LOAD("load"), DROP("drop"), DECLARE("declare"),
    CLOSE("close"), DISCARD("discard"), PREPARE("prepare"), DEALLOCATE("deallocate"), EXECUTE("execute"),
    SET("set"), SET_CONFIG("set_config"), PG_SETTINGS("pg_settings"), UPDATE("update");

    /** Lower-case ASCII letters and underscores. */
    final byte[] word;

    Mention(String word) {
        this.word = QueryBytes.ascii(word);
    }

    int bit() {
        return 1 << ordinal();
    }
}

package io.pgmux.proxy.client;

/**
 * What a held server still owes, in the order it will answer: one entry per message sent to it
 * (the client's, or pgmux's own), plus synthetic entries for replies pgmux produces itself at their
 * place in the stream. A ring buffer of primitive columns, so the hot path allocates nothing; the
 * rare entries that need more carry an attachment.
 */
final class ReplyQueue {
    /** Entry kinds: what the server answers a message with. */
    static final byte PARSE = 1;
    static final byte BIND = 2;
    static final byte DESCRIBE_STATEMENT = 3;
    static final byte DESCRIBE_PORTAL = 4;
    static final byte EXECUTE = 5;
    static final byte CLOSE = 6;
    static final byte SYNC = 7;
    /** A simple Query or a FunctionCall: answered up to a ReadyForQuery. */
    static final byte QUERY = 8;
    /** No server message: the attachment's frames go to the client when the entry reaches the head. */
    static final byte SYNTHETIC = 9;
    /** No reply: marks where the client's CopyDone or CopyFail went out. */
    static final byte COPY_END = 10;

    /** pgmux's own message: the server's answer is not for the client. */
    static final int SWALLOW = 1;

    private byte[] kinds = new byte[8];
    private int[] flags = new int[8];
    private long[] numbers = new long[8];
    private Object[] attachments = new Object[8];
    private int head;
    private int size;
    /** Entries whose attachment changes statements or names ({@link NamedStatements.StatementChange}). */
    private int statementChanges;

    void push(byte kind, int flag, long number, Object attachment) {
        if (size == kinds.length) {
            grow();
        }
        int i = (head + size) % kinds.length;
        kinds[i] = kind;
        flags[i] = flag;
        numbers[i] = number;
        attachments[i] = attachment;
        size++;
        if (attachment instanceof NamedStatements.StatementChange) {
            statementChanges++;
        }
    }

    int statementChanges() {
        return statementChanges;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    byte headKind() {
        return kinds[head];
    }

    boolean headSwallowed() {
        return (flags[head] & SWALLOW) != 0;
    }

    /** For SYNC and QUERY entries: when the message was sent (nanoTime); for entries that change statements, their Sync segment. */
    long headNumber() {
        return numbers[head];
    }

    Object headAttachment() {
        return attachments[head];
    }

    /** The {@code i}-th entry from the head (0 is the head). */
    Object attachmentAt(int i) {
        return attachments[(head + i) % kinds.length];
    }

    long numberAt(int i) {
        return numbers[(head + i) % kinds.length];
    }

    void pop() {
        if (attachments[head] instanceof NamedStatements.StatementChange) {
            statementChanges--;
        }
        attachments[head] = null;
        head = (head + 1) % kinds.length;
        size--;
    }

    /**
     * The head entry started a COPY FROM STDIN: the server ignores the Syncs that reach it before
     * the client's CopyDone/CopyFail. Removes those Sync entries.
     *
     * @return whether the client's end of the copy data was already sent (a COPY_END entry was found)
     */
    boolean dropSyncsBeforeCopyEnd() {
        int kept = 1;
        boolean ended = false;
        for (int i = 1; i < size; i++) {
            int from = (head + i) % kinds.length;
            if (!ended && kinds[from] == SYNC) {
                continue;
            }
            ended |= kinds[from] == COPY_END;
            int to = (head + kept) % kinds.length;
            kinds[to] = kinds[from];
            flags[to] = flags[from];
            numbers[to] = numbers[from];
            attachments[to] = attachments[from];
            kept++;
        }
        for (int i = kept; i < size; i++) {
            attachments[(head + i) % kinds.length] = null;
        }
        size = kept;
        return ended;
    }

    private void grow() {
        int capacity = kinds.length * 2;
        byte[] k = new byte[capacity];
        int[] f = new int[capacity];
        long[] n = new long[capacity];
        Object[] a = new Object[capacity];
        for (int i = 0; i < size; i++) {
            int from = (head + i) % kinds.length;
            k[i] = kinds[from];
            f[i] = flags[from];
            n[i] = numbers[from];
            a[i] = attachments[from];
        }
        kinds = k;
        flags = f;
        numbers = n;
        attachments = a;
        head = 0;
    }
}

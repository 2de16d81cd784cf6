package io.pgmux.proxy.client;

import java.util.Arrays;

/**
 * What a held server still owes, in the order it will answer: one entry per message sent to it
 * (the client's, or pgmux's own), plus synthetic entries for replies pgmux produces itself at their
 * place in the stream. A ring buffer of primitive columns, so the hot path allocates nothing; the
 * rare entries that need more carry an {@link Attachment}.
 */
final class ReplyQueue {
    /**
     * What an entry carries when pgmux must act on its outcome; most entries carry nothing (null).
     * The family is closed, and each member is acted on by one class:
     * <ul>
     *   <li>{@link NamedStatements.StatementChange} — a change of the client's statement names or of
     *       the server's statements, made when sent; {@link ClientRequests} has {@link NamedStatements}
     *       confirm it when the message succeeds and undo it when it fails or is skipped. The members
     *       that are replies pgmux gives itself are also {@link LocalReplies.InTurn}.</li>
     *   <li>{@link LocalReplies.InTurn} — a reply pgmux gives when its SYNTHETIC entry reaches the
     *       head ({@link LocalReplies#giveInTurn}); {@link LocalReplies.ConstantReply} for the fixed ones.</li>
     *   <li>{@link SettingChanges.SettingChange}, {@link SettingChanges.MultiStatement} — what a query
     *       or Execute does to the client's settings, followed by {@link SettingChanges}.</li>
     *   <li>{@link NamedStatements.Refusal} — the error the client gets instead of the server's, for a
     *       message sent so that the server fails it ({@link ServerLink}).</li>
     *   <li>{@link InjectedQuery} — pgmux's own query, whose replies it collects ({@link ServerLink},
     *       then {@code ServerHold}).</li>
     *   <li>{@link RewrittenQuery} — a query whose SQL prepared statement names pgmux rewrote: its
     *       statements' outcomes ({@link ServerLink}); it carries the query's settings attachment.</li>
     * </ul>
     * Java 17 has no pattern switch. Each outcome (succeeded, failed, skipped, completed, given in
     * turn) concerns one or two of these groups, so the owner of a group picks its members out with
     * {@code instanceof} patterns in the one method that handles that outcome. An enum kind would
     * repeat the type and need casts; a visitor would make every member implement every outcome,
     * most of them as no-ops. Sealed, the family is closed and listed here, next to who acts on what.
     */
    sealed interface Attachment permits NamedStatements.StatementChange, LocalReplies.InTurn, SettingChanges.SettingChange,
            SettingChanges.MultiStatement, NamedStatements.Refusal, InjectedQuery, RewrittenQuery {}

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
    /** No server message: pgmux gives the attachment ({@link LocalReplies.InTurn}) when the entry reaches the head. */
    static final byte SYNTHETIC = 9;
    /** No reply: marks where the client's CopyDone or CopyFail went out. */
    static final byte COPY_END = 10;

    /** pgmux's own message: the server's answer is not for the client. */
    static final int SWALLOW = 1;
    /** {@link #SWALLOW}, kept in the entry's kind byte (kinds are below it): one array less per client. */
    private static final int SWALLOWED_KIND = 0x40;
    private static final int KIND = SWALLOWED_KIND - 1;

    /**
     * Room for a simple Query's entry and a few more: every client has a queue for its whole life,
     * most of them idle and many never pipelining, so it starts small (48 bytes less per client than
     * at 8); an extended-protocol client grows it once, on its first Parse/Bind/Execute/Sync.
     */
    private static final int INITIAL_CAPACITY = 4;

    /** Each entry's kind, with {@link #SWALLOWED_KIND} when it is pgmux's own. */
    private byte[] kinds = new byte[INITIAL_CAPACITY];
    private long[] numbers = new long[INITIAL_CAPACITY];
    private Attachment[] attachments = new Attachment[INITIAL_CAPACITY];
    private int head;
    private int size;
    /** Entries whose attachment changes statements or names ({@link NamedStatements.StatementChange}). */
    private int statementChanges;
    /**
     * When the server last made progress (nanoTime): the queue went from empty to owing something,
     * or a Sync or Query was answered. While the queue is not empty, the server has been working on
     * its head since then; once empty, it has been idle since then.
     */
    private long progressAtNanos = System.nanoTime();
    /**
     * When the server's current transaction began (nanoTime): the first entry pushed since it was
     * last idle ({@link #serverIdle}); {@link #NOT_IN_TRANSACTION} while it is idle.
     */
    private long transactionSinceNanos = NOT_IN_TRANSACTION;
    static final long NOT_IN_TRANSACTION = Long.MIN_VALUE;

    void push(byte kind, int flag, long number, Attachment attachment) {
        if (size == kinds.length) {
            grow();
        }
        if (size == 0) {
            progressAtNanos = System.nanoTime();
        }
        if (transactionSinceNanos == NOT_IN_TRANSACTION) {
            transactionSinceNanos = progressAtNanos;
        }
        int i = (head + size) % kinds.length;
        kinds[i] = (byte) ((flag & SWALLOW) != 0 ? kind | SWALLOWED_KIND : kind);
        numbers[i] = number;
        attachments[i] = attachment;
        size++;
        if (attachment instanceof NamedStatements.StatementChange) {
            statementChanges++;
        }
    }

    /** See {@link #transactionSinceNanos}. */
    long transactionSinceNanos() {
        return transactionSinceNanos;
    }

    /**
     * The server said it is idle (ReadyForQuery 'I'): its transaction is over, and what it still owes
     * (a pipelined request) is a new one, begun now.
     */
    void serverIdle() {
        transactionSinceNanos = size == 0 ? NOT_IN_TRANSACTION : System.nanoTime();
    }

    /** See {@link #progressAtNanos}. */
    long progressAtNanos() {
        return progressAtNanos;
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
        return kindAt(head);
    }

    boolean headSwallowed() {
        return (kinds[head] & SWALLOWED_KIND) != 0;
    }

    private byte kindAt(int index) {
        return (byte) (kinds[index] & KIND);
    }

    /** For SYNC and QUERY entries: when the message was sent (nanoTime); for entries that change statements, their Sync segment. */
    long headNumber() {
        return numbers[head];
    }

    Attachment headAttachment() {
        return attachments[head];
    }

    /** The {@code i}-th entry from the head (0 is the head). */
    Attachment attachmentAt(int i) {
        return attachments[(head + i) % kinds.length];
    }

    long numberAt(int i) {
        return numbers[(head + i) % kinds.length];
    }

    void pop() {
        if (attachments[head] instanceof NamedStatements.StatementChange) {
            statementChanges--;
        }
        if (kindAt(head) == SYNC || kindAt(head) == QUERY) {
            progressAtNanos = System.nanoTime();
        }
        attachments[head] = null;
        head = (head + 1) % kinds.length;
        size--;
    }

    /** Forgets every entry (the link is dropped). */
    void clear() {
        Arrays.fill(attachments, null);
        head = 0;
        size = 0;
        statementChanges = 0;
        transactionSinceNanos = NOT_IN_TRANSACTION;
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
            if (!ended && kindAt(from) == SYNC) {
                continue;
            }
            ended |= kindAt(from) == COPY_END;
            int to = (head + kept) % kinds.length;
            kinds[to] = kinds[from];
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
        long[] n = new long[capacity];
        Attachment[] a = new Attachment[capacity];
        for (int i = 0; i < size; i++) {
            int from = (head + i) % kinds.length;
            k[i] = kinds[from];
            n[i] = numbers[from];
            a[i] = attachments[from];
        }
        kinds = k;
        numbers = n;
        attachments = a;
        head = 0;
    }
}

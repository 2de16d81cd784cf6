package io.pgmux.proxy.client;

import io.pgmux.protocol.Backend;

/**
 * Which server messages answer which entry of the {@link ReplyQueue}, for the extended protocol:
 * a message that is none of them means pgmux lost track of the server. (An ErrorResponse answers
 * any entry, and a simple query's replies end at its ReadyForQuery: {@link ServerLink} sees to both.)
 */
final class ExtendedReplies {
    /** How a server message relates to the entry at the head of the queue. */
    enum Match {
        /** Not an answer to it. */
        NOT_A_REPLY,
        /** One of its answers; more follow. */
        MORE,
        /** Its last answer: the entry is done. */
        LAST
    }

    private ExtendedReplies() {
    }

    static Match match(byte kind, byte type) {
        switch (kind) {
            case ReplyQueue.PARSE:
                return type == Backend.PARSE_COMPLETE ? Match.LAST : Match.NOT_A_REPLY;
            case ReplyQueue.BIND:
                return type == Backend.BIND_COMPLETE ? Match.LAST : Match.NOT_A_REPLY;
            case ReplyQueue.CLOSE:
                return type == Backend.CLOSE_COMPLETE ? Match.LAST : Match.NOT_A_REPLY;
            case ReplyQueue.DESCRIBE_STATEMENT:
                if (type == Backend.PARAMETER_DESCRIPTION) {
                    return Match.MORE;
                }
                return type == Backend.ROW_DESCRIPTION || type == Backend.NO_DATA ? Match.LAST : Match.NOT_A_REPLY;
            case ReplyQueue.DESCRIBE_PORTAL:
                return type == Backend.ROW_DESCRIPTION || type == Backend.NO_DATA ? Match.LAST : Match.NOT_A_REPLY;
            case ReplyQueue.EXECUTE:
                switch (type) {
                    case Backend.COMMAND_COMPLETE, Backend.EMPTY_QUERY_RESPONSE, Backend.PORTAL_SUSPENDED:
                        return Match.LAST;
                    case Backend.DATA_ROW, Backend.COPY_IN_RESPONSE, Backend.COPY_OUT_RESPONSE, Backend.COPY_BOTH_RESPONSE,
                         Backend.COPY_DATA, Backend.COPY_DONE:
                        return Match.MORE;
                    default:
                        return Match.NOT_A_REPLY;
                }
            default:
                return Match.NOT_A_REPLY;
        }
    }

    /** The message an entry of {@code kind} stands for, as a log line names it. */
    static String kindName(byte kind) {
        return switch (kind) {
            case ReplyQueue.PARSE -> "Parse";
            case ReplyQueue.BIND -> "Bind";
            case ReplyQueue.DESCRIBE_STATEMENT, ReplyQueue.DESCRIBE_PORTAL -> "Describe";
            case ReplyQueue.EXECUTE -> "Execute";
            case ReplyQueue.CLOSE -> "Close";
            case ReplyQueue.SYNC -> "Sync";
            default -> "Query";
        };
    }
}

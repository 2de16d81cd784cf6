package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What pgmux reads in a simple query's text before it acts on it: the first statement's command,
 * whether a later statement is a PREPARE, the session features the text takes and gives back, the
 * statements that may set something (null unless several and "set" is mentioned), whether it has a
 * backslash, whether it may call set_config for the session, and whether it uses an SQL prepared
 * statement name (PREPARE, EXECUTE, DEALLOCATE: {@link NamedStatementSql}). A Query held whole is read with
 * {@link #of}; a streamed one gets the same facts from {@link StreamedQueryText#finish}.
 */
public record QueryFacts(SqlCommand command, boolean laterPrepare, List<FeatureUse> features,
        List<SqlCommand> setStatements, boolean hasBackslash, boolean maySetConfig, boolean usesStatementNames) {

    /** The facts of the null-terminated text at {@code start}, read as the whole-message path reads them. */
    public static QueryFacts of(ByteBuf buf, int start, boolean backslashEscapes) {
        QueryScan text = QueryScan.of(buf, start);
        return of(text, MultiStatementQuery.statementsMentioningSet(text, () -> backslashEscapes),
                SetConfigCalls.maySetConfigForTheSession(text), backslashEscapes);
    }

    /** The facts of {@code text}, with the two that a streamed text reads otherwise. */
    static QueryFacts of(QueryScan text, List<SqlCommand> setStatements, boolean maySetConfig, boolean backslashEscapes) {
        BooleanSupplier escapes = () -> backslashEscapes;
        return new QueryFacts(SqlCommand.of(text), MultiStatementQuery.hasLaterPrepare(text, escapes),
                SessionFeatures.inQuery(text, escapes), setStatements, MultiStatementQuery.hasBackslash(text), maySetConfig,
                NamedStatementSql.of(text, escapes) != null);
    }
}

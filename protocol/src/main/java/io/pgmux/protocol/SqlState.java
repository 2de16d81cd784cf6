package io.pgmux.protocol;

/** The SQLSTATE codes pgmux itself reports (PostgreSQL Appendix A). */
public final class SqlState {
    private SqlState() {}

    public static final String SUCCESSFUL_COMPLETION = "00000";
    public static final String CONNECTION_EXCEPTION = "08000";
    public static final String CONNECTION_DOES_NOT_EXIST = "08003";
    public static final String CONNECTION_FAILURE = "08006";
    public static final String SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION = "08001";
    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    public static final String INVALID_PASSWORD = "28P01";
    public static final String INVALID_CATALOG_NAME = "3D000";
    public static final String INVALID_SQL_STATEMENT_NAME = "26000";
    public static final String INVALID_TRANSACTION_STATE = "25000";
    public static final String IN_FAILED_SQL_TRANSACTION = "25P02";
    public static final String DUPLICATE_PREPARED_STATEMENT = "42P05";
    public static final String TOO_MANY_CONNECTIONS = "53300";
    public static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String CANNOT_CONNECT_NOW = "57P03";
    public static final String QUERY_CANCELED = "57014";
    public static final String IDLE_IN_TRANSACTION_SESSION_TIMEOUT = "25P03";
    public static final String IDLE_SESSION_TIMEOUT = "57P05";
    /** Postgres 17's {@code transaction_timeout}. */
    public static final String TRANSACTION_TIMEOUT = "25P04";
    public static final String CONFIGURATION_LIMIT_EXCEEDED = "53400";
    public static final String OUT_OF_MEMORY = "53200";
    public static final String OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";
    /** A setting that cannot be changed while running (Postgres's "parameter cannot be changed now"). */
    public static final String CANT_CHANGE_RUNTIME_PARAM = "55P02";
    public static final String INVALID_PARAMETER_VALUE = "22023";
    public static final String SYNTAX_ERROR = "42601";
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    public static final String UNDEFINED_OBJECT = "42704";
    public static final String CONFIG_FILE_ERROR = "F0000";
    public static final String INTERNAL_ERROR = "XX000";
    public static final String UNDEFINED_FUNCTION = "42883";
}

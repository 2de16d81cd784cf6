package io.pgmux.protocol.auth;

/**
 * A server-first-message as a SCRAM client reads it (RFC 5802 section 7):
 * {@code r=<client nonce + server nonce>,s=<base64 salt>,i=<iterations>[,extensions]}.
 *
 * @param text the message as received, which goes into the AuthMessage
 */
record ServerFirstMessage(String text, String nonce, byte[] salt, int iterations) {

    private static final String NAME = "server-first-message";
    /** Enough digits for any int; more is not a count a server would send. */
    private static final int MAX_ITERATION_DIGITS = 10;

    static ServerFirstMessage parse(byte[] bytes) throws ScramException {
        String text = ScramAttributes.utf8(NAME, bytes);
        ScramAttributes attributes = ScramAttributes.of(NAME, text);
        if (attributes.nextIs('m')) {
            throw new ScramException("the server requires a SCRAM extension that is not supported");
        }
        String nonce = attributes.nonce();
        byte[] salt = attributes.base64('s', "salt");
        if (salt.length == 0) {
            throw attributes.malformed("the salt is empty");
        }
        int iterations = iterations(attributes, attributes.required('i', "iteration count"));
        attributes.skipExtensions();
        return new ServerFirstMessage(text, nonce, salt, iterations);
    }

    private static int iterations(ScramAttributes attributes, String value) throws ScramException {
        boolean digitsOnly = !value.isEmpty() && value.length() <= MAX_ITERATION_DIGITS
                && value.chars().allMatch(c -> c >= '0' && c <= '9');
        long count = digitsOnly ? Long.parseLong(value) : -1;
        if (count < 1 || count > Integer.MAX_VALUE) {
            throw attributes.malformed("the iteration count must be a whole number from 1 to "
                    + Integer.MAX_VALUE);
        }
        return (int) count;
    }
}

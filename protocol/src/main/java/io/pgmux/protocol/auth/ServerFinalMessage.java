package io.pgmux.protocol.auth;

/**
 * A server-final-message as a SCRAM client reads it (RFC 5802 section 7):
 * {@code v=<base64 ServerSignature>[,extensions]}, or {@code e=<error>}, which is a failure.
 */
record ServerFinalMessage(byte[] serverSignature) {

    private static final String NAME = "server-final-message";

    static ServerFinalMessage parse(byte[] bytes) throws ScramException {
        String text = ScramAttributes.utf8(NAME, bytes);
        ScramAttributes attributes = ScramAttributes.of(NAME, text);
        if (attributes.nextIs('e')) {
            throw new ScramException("the server rejected the SCRAM exchange: "
                    + attributes.required('e', "error"));
        }
        byte[] signature = attributes.base64('v', "server signature");
        attributes.skipExtensions();
        return new ServerFinalMessage(signature);
    }
}

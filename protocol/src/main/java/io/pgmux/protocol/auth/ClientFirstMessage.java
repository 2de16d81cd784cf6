package io.pgmux.protocol.auth;

/**
 * A client-first-message as a SCRAM server reads it (RFC 5802 section 7):
 * {@code gs2-header client-first-message-bare}, e.g. {@code n,,n=,r=rOprNGfwEbeRWgbNEkqO}.
 *
 * <p>GS2 headers are {@code n,,} (no channel binding), {@code y,,} (client could bind but thinks the
 * server cannot) and {@code p=<type>,,} (channel binding of that type): which of them the server
 * accepts is {@link ScramServer}'s decision. An authorization identity is refused. The user name is
 * read and ignored: like Postgres, the user is the one from the startup message.
 *
 * @param gs2Header the header including its trailing comma, e.g. {@code "n,,"}
 * @param bare the client-first-message-bare, which goes into the AuthMessage
 * @param nonce the client nonce
 * @param channelBindingType the {@code p=} type, or null for {@code n} and {@code y}
 */
record ClientFirstMessage(String gs2Header, String bare, String nonce, String channelBindingType) {

    private static final String NAME = "client-first-message";

    static ClientFirstMessage parse(byte[] bytes) throws ScramException {
        String text = ScramAttributes.utf8(NAME, bytes);
        int flagEnd = text.indexOf(',');
        int headerEnd = flagEnd < 0 ? -1 : text.indexOf(',', flagEnd + 1);
        if (headerEnd < 0) {
            throw ScramException.malformed("malformed SCRAM " + NAME + ": expected a GS2 header such as 'n,,'");
        }
        String flag = text.substring(0, flagEnd);
        checkChannelBindingFlag(flag);
        checkNoAuthorizationIdentity(text.substring(flagEnd + 1, headerEnd));

        String bare = text.substring(headerEnd + 1);
        ScramAttributes attributes = ScramAttributes.of(NAME, bare);
        if (attributes.nextIs('m')) {
            throw new ScramException("the client requires a SCRAM extension that is not supported");
        }
        attributes.required('n', "user name");
        String nonce = attributes.nonce();
        attributes.skipExtensions();
        return new ClientFirstMessage(text.substring(0, headerEnd + 1), bare, nonce,
                flag.startsWith("p=") ? flag.substring(2) : null);
    }

    private static void checkChannelBindingFlag(String flag) throws ScramException {
        if (flag.equals("n") || flag.equals("y")) {
            return;
        }
        if (flag.startsWith("p=") && flag.length() > 2) {
            return;
        }
        throw ScramException.malformed("malformed SCRAM " + NAME
                + ": the channel binding flag must be 'n', 'y' or 'p=...'");
    }

    private static void checkNoAuthorizationIdentity(String authzid) throws ScramException {
        if (authzid.isEmpty()) {
            return;
        }
        if (authzid.startsWith("a=")) {
            throw new ScramException("the client sent an authorization identity (a=...),"
                    + " which is not supported");
        }
        throw ScramException.malformed("malformed SCRAM " + NAME
                + ": expected an empty authorization identity in the GS2 header");
    }
}

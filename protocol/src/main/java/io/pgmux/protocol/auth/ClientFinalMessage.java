package io.pgmux.protocol.auth;

/**
 * A client-final-message as a SCRAM server reads it (RFC 5802 section 7):
 * {@code c=<base64 GS2 header>,r=<nonce>[,extensions],p=<base64 ClientProof>}.
 *
 * @param channelBinding the {@code c} value as sent (still base64)
 * @param withoutProof everything before {@code ,p=}, which goes into the AuthMessage
 */
record ClientFinalMessage(String channelBinding, String nonce, String withoutProof, byte[] proof) {

    private static final String NAME = "client-final-message";

    static ClientFinalMessage parse(byte[] bytes) throws ScramException {
        String text = ScramAttributes.utf8(NAME, bytes);
        ScramAttributes attributes = ScramAttributes.of(NAME, text);
        String channelBinding = attributes.required('c', "channel binding");
        String nonce = attributes.nonce();
        attributes.skipExtensionsUntil('p');
        byte[] proof = attributes.base64('p', "client proof");
        attributes.requireEnd();
        if (proof.length != ScramCrypto.KEY_LENGTH) {
            throw attributes.malformed("the client proof must be " + ScramCrypto.KEY_LENGTH
                    + " bytes, got " + proof.length);
        }
        String withoutProof = text.substring(0, text.lastIndexOf(",p="));
        return new ClientFinalMessage(channelBinding, nonce, withoutProof, proof);
    }
}

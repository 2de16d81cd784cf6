package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A second, independent SCRAM-SHA-256 client computation (the JDK's PBKDF2 instead of
 * {@link ScramCrypto}) for messages {@link ScramClient} never sends, such as a {@code y,,} header.
 * ASCII passwords only: no SASLprep.
 */
final class ScramTestClient {

    private ScramTestClient() {
    }

    static String clientFinal(String gs2Header, String clientFirstBare, String serverFirst, String password) {
        return clientFinal(gs2Header, new byte[0], clientFirstBare, serverFirst, password);
    }

    /** With channel binding: {@code c=} carries the GS2 header followed by {@code bindingData}. */
    static String clientFinal(String gs2Header, byte[] bindingData, String clientFirstBare, String serverFirst, String password) {
        try {
            String nonce = attribute(serverFirst, 'r');
            byte[] salt = Base64.getDecoder().decode(attribute(serverFirst, 's'));
            int iterations = Integer.parseInt(attribute(serverFirst, 'i'));
            byte[] saltedPassword = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
                    .getEncoded();
            byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
            byte[] binding = new byte[header.length + bindingData.length];
            System.arraycopy(header, 0, binding, 0, header.length);
            System.arraycopy(bindingData, 0, binding, header.length, bindingData.length);
            String withoutProof = "c=" + Base64.getEncoder().encodeToString(binding) + ",r=" + nonce;
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] clientKey = hmac(saltedPassword, "Client Key");
            byte[] signature = hmac(MessageDigest.getInstance("SHA-256").digest(clientKey), authMessage);
            for (int i = 0; i < signature.length; i++) {
                signature[i] ^= clientKey[i];
            }
            return withoutProof + ",p=" + Base64.getEncoder().encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static String attribute(String message, char name) {
        for (String part : message.split(",")) {
            if (part.charAt(0) == name && part.charAt(1) == '=') {
                return part.substring(2);
            }
        }
        throw new AssertionError("no attribute " + name + " in " + message);
    }

    private static byte[] hmac(byte[] key, String text) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }
}

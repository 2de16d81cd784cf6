package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The server's 'R' message: a request code ({@code Backend.AUTH_*}) and its data (the MD5 salt,
 * the SASL mechanism list, or SASL challenge data; empty otherwise).
 */
public record AuthenticationRequest(int code, byte[] data) implements WireMessage {

    public static AuthenticationRequest ok() {
        return new AuthenticationRequest(Backend.AUTH_OK, new byte[0]);
    }

    public static AuthenticationRequest cleartextPassword() {
        return new AuthenticationRequest(Backend.AUTH_CLEARTEXT_PASSWORD, new byte[0]);
    }

    public static AuthenticationRequest md5Password(byte[] salt) {
        if (salt.length != 4) {
            throw new IllegalArgumentException("an MD5 salt is 4 bytes");
        }
        return new AuthenticationRequest(Backend.AUTH_MD5_PASSWORD, salt.clone());
    }

    public static AuthenticationRequest sasl(List<String> mechanisms) {
        StringBuilder list = new StringBuilder();
        for (String mechanism : mechanisms) {
            list.append(mechanism).append('\0');
        }
        list.append('\0');
        return new AuthenticationRequest(Backend.AUTH_SASL, list.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static AuthenticationRequest saslContinue(byte[] data) {
        return new AuthenticationRequest(Backend.AUTH_SASL_CONTINUE, data.clone());
    }

    public static AuthenticationRequest saslFinal(byte[] data) {
        return new AuthenticationRequest(Backend.AUTH_SASL_FINAL, data.clone());
    }

    /**
     * The mechanisms of an {@code AuthenticationSASL} request, in the server's order of preference.
     *
     * @throws ProtocolException when the list is not a run of Strings closed by an empty one
     */
    public List<String> saslMechanisms() {
        if (code != Backend.AUTH_SASL) {
            throw new IllegalStateException("not a SASL request (code " + code + ")");
        }
        List<String> mechanisms = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                if (i == start) {
                    if (i != data.length - 1) {
                        throw new ProtocolException("SASL mechanism list has " + (data.length - 1 - i)
                                + " bytes after its terminator");
                    }
                    return mechanisms;
                }
                mechanisms.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        throw new ProtocolException("SASL mechanism list is not terminated");
    }

    public static AuthenticationRequest decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (body.readableBytes() < 4) {
            throw new ProtocolException("authentication request is truncated");
        }
        int code = body.readInt();
        int expected = switch (code) {
            case Backend.AUTH_OK, Backend.AUTH_KERBEROS_V5, Backend.AUTH_CLEARTEXT_PASSWORD, Backend.AUTH_GSS,
                 Backend.AUTH_SSPI -> 0;
            case Backend.AUTH_MD5_PASSWORD -> 4;
            default -> body.readableBytes();
        };
        if (body.readableBytes() != expected) {
            throw new ProtocolException("authentication request " + code + " carries " + body.readableBytes()
                    + " bytes of data (expected " + expected + ")");
        }
        return new AuthenticationRequest(code, Wire.readBytes(body, body.readableBytes(), "authentication data"));
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Backend.AUTHENTICATION);
        out.writeInt(code);
        out.writeBytes(data);
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationRequest r && code == r.code && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return code * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthenticationRequest[code=" + code + ", " + data.length + " bytes]";
    }
}

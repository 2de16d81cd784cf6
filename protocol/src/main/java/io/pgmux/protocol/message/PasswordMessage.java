package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.Wire;

/** A cleartext password, or the "md5..." answer to an MD5 challenge. */
public record PasswordMessage(String password) implements WireMessage {

    public static PasswordMessage decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String password = Wire.readCString(body);
        Wire.expectEnd(body, "password message");
        return new PasswordMessage(password);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Frontend.PASSWORD);
        Wire.writeCString(out, password);
        Wire.endMessage(out, lengthIndex);
    }

    @Override
    public String toString() {
        return "PasswordMessage[***]";
    }
}

package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.Wire;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells a client that asked for a newer minor version, or for {@code _pq_.} options, what the
 * server supports: the newest minor version and the options it did not recognize.
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) implements WireMessage {

    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    public static NegotiateProtocolVersion decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        int minor = body.readInt();
        int count = body.readInt();
        List<String> options = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            options.add(Wire.readCString(body));
        }
        Wire.expectEnd(body, "NegotiateProtocolVersion");
        return new NegotiateProtocolVersion(minor, options);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Backend.NEGOTIATE_PROTOCOL_VERSION);
        out.writeInt(newestMinorVersion);
        out.writeInt(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            Wire.writeCString(out, option);
        }
        Wire.endMessage(out, lengthIndex);
    }
}

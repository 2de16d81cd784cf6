package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells a client that asked for a newer minor version, or for {@code _pq_.} options, what the
 * server supports: the newest protocol version and the options it did not recognize.
 *
 * <p>{@code newestVersion} is a whole version number, major in the high 16 bits and minor in the
 * low ones ({@code 0x00030000} for 3.0), although the spec calls it the "newest minor protocol
 * version": that is what PostgreSQL sends (its {@code PG_PROTOCOL_LATEST}) and what libpq reads.
 */
public record NegotiateProtocolVersion(int newestVersion, List<String> unrecognizedOptions) implements WireMessage {

    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    public static NegotiateProtocolVersion decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (body.readableBytes() < 8) {
            throw new ProtocolException("NegotiateProtocolVersion message is truncated");
        }
        int version = body.readInt();
        int count = body.readInt();
        if (count < 0) {
            throw new ProtocolException("NegotiateProtocolVersion declares " + count + " unrecognized options");
        }
        List<String> options = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            options.add(Wire.readCString(body));
        }
        Wire.expectEnd(body, "NegotiateProtocolVersion");
        return new NegotiateProtocolVersion(version, options);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, Backend.NEGOTIATE_PROTOCOL_VERSION);
        out.writeInt(newestVersion);
        out.writeInt(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            Wire.writeCString(out, option);
        }
        Wire.endMessage(out, lengthIndex);
    }
}

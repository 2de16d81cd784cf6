package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.ProtocolException;
import io.pgmux.protocol.Wire;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The first packet of a session: protocol version and name/value parameters ({@code user}, ...). */
public record StartupMessage(int protocolVersion, Map<String, String> parameters) implements WireMessage {

    public StartupMessage {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public int majorVersion() {
        return protocolVersion >>> 16;
    }

    public int minorVersion() {
        return protocolVersion & 0xffff;
    }

    /** Decodes a whole startup packet (length included, as cut by {@link Frames#readStartupPacket}). */
    public static StartupMessage decode(ByteBuf packet) {
        ByteBuf buf = packet.duplicate();
        if (buf.readableBytes() < 8) {
            throw new ProtocolException("startup packet of " + buf.readableBytes() + " bytes has no protocol version");
        }
        buf.skipBytes(4);
        int version = buf.readInt();
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
            if (!buf.isReadable()) {
                throw new ProtocolException("startup packet is not terminated");
            }
            if (buf.getByte(buf.readerIndex()) == 0) {
                buf.skipBytes(1);
                break;
            }
            String name = Wire.readCString(buf);
            String value = Wire.readCString(buf);
            if (parameters.putIfAbsent(name, value) != null) {
                throw new ProtocolException("startup parameter \"" + name + "\" appears twice");
            }
        }
        Wire.expectEnd(buf, "startup packet");
        return new StartupMessage(version, parameters);
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginUntypedMessage(out);
        out.writeInt(protocolVersion);
        parameters.forEach((name, value) -> {
            Wire.writeCString(out, name);
            Wire.writeCString(out, value);
        });
        out.writeByte(0);
        Wire.endMessage(out, lengthIndex);
    }
}

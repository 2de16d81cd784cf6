package io.pgmux.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.WireMessage;

/** A NoticeResponse (same fields as an ErrorResponse, another type byte). */
record Notice(ErrorResponse fields) implements WireMessage {

    static Notice of(String message) {
        return new Notice(ErrorResponse.of(ErrorResponse.NOTICE, SqlState.SUCCESSFUL_COMPLETION, message));
    }

    @Override
    public void encode(ByteBuf out) {
        fields.encodeAsNotice(out);
    }
}

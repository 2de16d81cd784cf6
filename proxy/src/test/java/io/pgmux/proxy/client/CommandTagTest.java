package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.message.CommandComplete;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The CommandComplete tags pgmux acts on are matched whole, never by prefix. */
class CommandTagTest {

    @Test
    void theTagsPgmuxActsOn() {
        assertEquals(CommandTag.ROLLBACK, of("ROLLBACK"));
        assertEquals(CommandTag.COMMIT, of("COMMIT"));
        assertEquals(CommandTag.PREPARE_TRANSACTION, of("PREPARE TRANSACTION"));
        assertEquals(CommandTag.PREPARE, of("PREPARE"));
        assertEquals(CommandTag.DISCARD_ALL, of("DISCARD ALL"));
        assertEquals(CommandTag.DEALLOCATE_ALL, of("DEALLOCATE ALL"));
    }

    @Test
    void othersAreOther() {
        for (String tag : new String[] {"SELECT 1", "ROLLBACK PREPARED", "COMMIT PREPARED", "DISCARD PLANS", "DEALLOCATE",
                "PREPAR", "INSERT 0 1", "commit", ""}) {
            assertEquals(CommandTag.OTHER, of(tag), tag);
        }
    }

    private static CommandTag of(String tag) {
        ByteBuf frame = new CommandComplete(tag).encode(ByteBufAllocator.DEFAULT);
        try {
            return CommandTag.of(frame);
        } finally {
            frame.release();
        }
    }
}

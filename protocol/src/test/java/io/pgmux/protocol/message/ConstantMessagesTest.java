package io.pgmux.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ReadOnlyBufferException;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.pgmux.protocol.SpecBytes.hex;
import static io.pgmux.protocol.WireAssertions.toHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Messages}: the constant messages built once and handed out as duplicates. Each caller
 * must get the whole message, whatever earlier callers did with theirs.
 */
class ConstantMessagesTest {

    static Stream<Arguments> constants() {
        return Stream.of(
                constant("Sync", Messages::sync, "53 00000004"),
                constant("Flush", Messages::flush, "48 00000004"),
                constant("Terminate", Messages::terminate, "58 00000004"),
                constant("ParseComplete", Messages::parseComplete, "31 00000004"),
                constant("BindComplete", Messages::bindComplete, "32 00000004"),
                constant("CloseComplete", Messages::closeComplete, "33 00000004"),
                constant("NoData", Messages::noData, "6e 00000004"),
                constant("EmptyQueryResponse", Messages::emptyQueryResponse, "49 00000004"),
                constant("AuthenticationOk", Messages::authenticationOk, "52 00000008 00000000"),
                // the single byte refusing SSLRequest / GSSENCRequest, not a typed message
                constant("encryption refused", Messages::encryptionRefused, "4e"));
    }

    private static Arguments constant(String name, Supplier<ByteBuf> accessor, String specHex) {
        return Arguments.of(name, accessor, specHex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("constants")
    void isItsSpecBytes(String name, Supplier<ByteBuf> accessor, String specHex) {
        // when
        ByteBuf message = accessor.get();
        // then
        assertEquals(toHex(hex(specHex)), toHex(ByteBufUtil.getBytes(message)));
        message.release();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("constants")
    void aCallerWritingAndReleasingItsCopyLeavesTheNextCallerAWholeMessage(
            String name, Supplier<ByteBuf> accessor, String specHex) {
        // given: many callers each write their copy out (reading it to the end) and release it,
        // twice, as a careless error path might
        for (int caller = 0; caller < 1000; caller++) {
            ByteBuf copy = accessor.get();
            copy.skipBytes(copy.readableBytes());
            copy.release();
            copy.release();
        }
        // and one tries to overwrite the shared bytes through its copy
        ByteBuf scribbled = accessor.get();
        assertThrows(ReadOnlyBufferException.class, () -> scribbled.setByte(0, 'X'));
        // when
        ByteBuf next = accessor.get();
        // then: the next caller still gets the whole message, from the start, alive
        assertEquals(0, next.readerIndex());
        assertEquals(toHex(hex(specHex)), toHex(ByteBufUtil.getBytes(next)));
        assertEquals(1, next.refCnt());
        next.release();
    }
}

package io.pgmux.proxy.fuzz;

import java.util.HexFormat;

/**
 * One write of a fuzzed client: the exact bytes, and what they are in words. In a corpus file a
 * step is one line, {@code <hex>  # <label>}; only the hex is replayed.
 */
public record Step(String label, byte[] bytes) {
    private static final HexFormat HEX = HexFormat.of();

    public String toLine() {
        return HEX.formatHex(bytes) + "  # " + label;
    }

    public static Step fromLine(String line) {
        int hash = line.indexOf('#');
        String hex = (hash < 0 ? line : line.substring(0, hash)).strip();
        String label = hash < 0 ? "" : line.substring(hash + 1).strip();
        return new Step(label, HEX.parseHex(hex));
    }

    /** Whether the bytes hold a Terminate message: the client may have said goodbye, so a close without an error is fine. */
    public boolean mayTerminate() {
        for (int i = 0; i + 5 <= bytes.length; i++) {
            if (bytes[i] == 'X' && bytes[i + 1] == 0 && bytes[i + 2] == 0 && bytes[i + 3] == 0 && bytes[i + 4] == 4) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return label;
    }
}

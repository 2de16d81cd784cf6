package io.pgmux.testkit;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Inputs for byte-level fuzz targets: mostly valid messages broken in the ways a buggy or hostile
 * peer breaks them (a flipped bit, a byte set to 0 or 0xff, a cut, an insertion, a duplicated run,
 * a length field set to an edge value), and some plain noise. Mutations of valid input reach far
 * deeper into a parser than noise, which most parsers refuse at the first byte.
 *
 * <pre>
 * &#64;Provide Arbitrary&lt;byte[]&gt; describes() { return Mutations.of(List.of(validDescribe, ...)); }
 * </pre>
 */
public final class Mutations {
    private static final int MAX_NOISE = 64;
    private static final int MAX_MUTATIONS = 4;
    private static final int[] EDGE_INTS = {0, 1, 3, 4, 5, 8, 0x7f, 0x80, 0xff, 0xffff, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};

    private Mutations() {
    }

    /** Noise, the seeds as they are, and the seeds mutated one to four times. */
    public static Arbitrary<byte[]> of(List<byte[]> seeds) {
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_NOISE);
        Arbitrary<byte[]> valid = Arbitraries.of(seeds).map(byte[]::clone);
        Arbitrary<byte[]> mutated = Combinators.combine(Arbitraries.of(seeds), Arbitraries.longs())
                .as((seed, random) -> mutate(seed, new Random(random)));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, noise),
                net.jqwik.api.Tuple.of(1, valid),
                net.jqwik.api.Tuple.of(8, mutated));
    }

    /** One to {@value #MAX_MUTATIONS} random mutations of a copy of {@code seed}. */
    public static byte[] mutate(byte[] seed, Random random) {
        byte[] bytes = seed.clone();
        int count = 1 + random.nextInt(MAX_MUTATIONS);
        for (int i = 0; i < count; i++) {
            bytes = mutateOnce(bytes, random);
        }
        return bytes;
    }

    private static byte[] mutateOnce(byte[] bytes, Random random) {
        if (bytes.length == 0) {
            return new byte[] {(byte) random.nextInt(256)};
        }
        int at = random.nextInt(bytes.length);
        switch (random.nextInt(8)) {
            case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes[at] = random.nextBoolean() ? 0 : (byte) 0xff;
            case 2 -> bytes[at] = (byte) random.nextInt(256);
            case 3 -> {
                return Arrays.copyOf(bytes, at); // cut
            }
            case 4 -> {
                byte[] longer = new byte[bytes.length + 1]; // insert a byte
                System.arraycopy(bytes, 0, longer, 0, at);
                longer[at] = random.nextBoolean() ? 0 : (byte) random.nextInt(256);
                System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                return longer;
            }
            case 5 -> {
                byte[] shorter = new byte[bytes.length - 1]; // delete a byte
                System.arraycopy(bytes, 0, shorter, 0, at);
                System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                return shorter;
            }
            case 6 -> {
                int length = 1 + random.nextInt(Math.min(16, bytes.length - at)); // duplicate a run
                byte[] longer = new byte[bytes.length + length];
                System.arraycopy(bytes, 0, longer, 0, at + length);
                System.arraycopy(bytes, at, longer, at + length, bytes.length - at);
                return longer;
            }
            default -> {
                if (at + 4 <= bytes.length) { // an int32 (a length, a count) set to an edge value
                    int value = EDGE_INTS[random.nextInt(EDGE_INTS.length)];
                    bytes[at] = (byte) (value >>> 24);
                    bytes[at + 1] = (byte) (value >>> 16);
                    bytes[at + 2] = (byte) (value >>> 8);
                    bytes[at + 3] = (byte) value;
                }
            }
        }
        return bytes;
    }
}

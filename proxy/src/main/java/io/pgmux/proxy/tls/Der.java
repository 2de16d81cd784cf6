package io.pgmux.proxy.tls;

import java.io.ByteArrayOutputStream;

/**
 * The little DER that turning a PKCS#1 RSA key or a SEC1 EC key into PKCS#8 needs: writing a tag
 * with its length, and finding the named curve in a SEC1 key. Not a general ASN.1 parser.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** SEC1's {@code parameters [0] EXPLICIT ECParameters}. */
    static final int CONTEXT_0 = 0xa0;

    /** rsaEncryption, 1.2.840.113549.1.1.1 */
    static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    /** id-ecPublicKey, 1.2.840.10045.2.1 */
    static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Der() {
    }

    static byte[] encode(int tag, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            body.writeBytes(part);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = body.size();
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** PKCS#8's PrivateKeyInfo: version 0, the algorithm, and the algorithm's own key encoding. */
    static byte[] privateKeyInfo(byte[] algorithmIdentifier, byte[] key) {
        return encode(SEQUENCE, encode(INTEGER, new byte[] {0}), algorithmIdentifier, encode(OCTET_STRING, key));
    }

    /** A PKCS#1 RSAPrivateKey as PKCS#8. */
    static byte[] rsaToPkcs8(byte[] pkcs1) {
        return privateKeyInfo(encode(SEQUENCE, encode(OID, RSA_ENCRYPTION), encode(NULL)), pkcs1);
    }

    /** A SEC1 ECPrivateKey as PKCS#8; its curve is taken from the key's own parameters. */
    static byte[] ecToPkcs8(byte[] sec1) {
        byte[] curve = sec1NamedCurve(sec1);
        return privateKeyInfo(encode(SEQUENCE, encode(OID, EC_PUBLIC_KEY), curve), sec1);
    }

    /**
     * The whole OID element (tag, length, value) of the named curve in
     * {@code ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey OCTET STRING, [0] ECParameters, [1] BIT STRING }}.
     */
    private static byte[] sec1NamedCurve(byte[] sec1) {
        Reader outer = new Reader(sec1, 0, sec1.length);
        Reader sequence = outer.enter(SEQUENCE);
        sequence.skip(INTEGER);
        sequence.skip(OCTET_STRING);
        if (sequence.atEnd() || sequence.peekTag() != CONTEXT_0) {
            throw new IllegalArgumentException("the EC key does not name its curve");
        }
        Reader parameters = sequence.enter(CONTEXT_0);
        if (parameters.peekTag() != OID) {
            throw new IllegalArgumentException("the EC key's curve is not a named curve");
        }
        return parameters.element();
    }

    /** Reads the elements of one DER sequence, in order. */
    private static final class Reader {
        private final byte[] data;
        private int position;
        private final int end;

        Reader(byte[] data, int position, int end) {
            this.data = data;
            this.position = position;
            this.end = end;
        }

        boolean atEnd() {
            return position >= end;
        }

        int peekTag() {
            return data[position] & 0xff;
        }

        /** Steps into the element with {@code tag} that comes next. */
        Reader enter(int tag) {
            int[] bounds = next(tag);
            return new Reader(data, bounds[1], bounds[2]);
        }

        void skip(int tag) {
            next(tag);
        }

        /** The next element whole, tag and length included. */
        byte[] element() {
            int start = position;
            int[] bounds = next(peekTag());
            byte[] element = new byte[bounds[2] - start];
            System.arraycopy(data, start, element, 0, element.length);
            return element;
        }

        /** {start of element, start of content, end of content}; moves past the element. */
        private int[] next(int tag) {
            if (position + 2 > end || (data[position] & 0xff) != tag) {
                throw new IllegalArgumentException("not the DER structure of a key");
            }
            int start = position;
            int length = data[position + 1] & 0xff;
            int content = position + 2;
            if (length >= 0x80) {
                int bytes = length & 0x7f;
                if (bytes == 0 || bytes > 3 || content + bytes > end) {
                    throw new IllegalArgumentException("not the DER structure of a key");
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | (data[content + i] & 0xff);
                }
                content += bytes;
            }
            if (content + length > end) {
                throw new IllegalArgumentException("not the DER structure of a key");
            }
            position = content + length;
            return new int[] {start, content, content + length};
        }
    }
}

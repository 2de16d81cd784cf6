package io.pgmux.proxy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Certificates and private keys from PEM files, with the JDK alone. Keys may be PKCS#8
 * ({@code BEGIN PRIVATE KEY}: RSA, EC, Ed25519), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
 * ({@code BEGIN EC PRIVATE KEY}); the last two are wrapped into PKCS#8 here (see {@link Der}).
 * Encrypted keys are refused with a message saying how to decrypt them. Blocks of other kinds in a
 * key file ({@code BEGIN EC PARAMETERS}, as {@code openssl ecparam -genkey} writes) are skipped.
 */
public final class PemFiles {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";

    private PemFiles() {
    }

    /** The certificates of {@code file} in their order (a chain starts with the leaf); at least one. */
    public static List<X509Certificate> certificates(Path file) throws TlsFileException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks(file)) {
            if (!block.label().equals("CERTIFICATE") && !block.label().equals("X509 CERTIFICATE")
                    && !block.label().equals("TRUSTED CERTIFICATE")) {
                continue;
            }
            try {
                CertificateFactory factory = CertificateFactory.getInstance("X.509");
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new TlsFileException(file, "certificate " + (certificates.size() + 1) + " cannot be read: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new TlsFileException(file, "no PEM certificate in the file (expected -----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** The one private key of {@code file}. */
    public static PrivateKey privateKey(Path file) throws TlsFileException {
        PrivateKey key = null;
        for (Block block : blocks(file)) {
            byte[] pkcs8;
            switch (block.label()) {
                case "PRIVATE KEY" -> pkcs8 = block.der();
                case "RSA PRIVATE KEY" -> pkcs8 = Der.rsaToPkcs8(block.der());
                case "EC PRIVATE KEY" -> {
                    try {
                        pkcs8 = Der.ecToPkcs8(block.der());
                    } catch (IllegalArgumentException e) {
                        throw new TlsFileException(file, e.getMessage());
                    }
                }
                case "ENCRYPTED PRIVATE KEY" -> throw encrypted(file);
                default -> {
                    continue;
                }
            }
            if (block.encrypted()) {
                throw encrypted(file);
            }
            if (key != null) {
                throw new TlsFileException(file, "more than one private key in the file");
            }
            key = decode(file, pkcs8);
        }
        if (key == null) {
            throw new TlsFileException(file, "no PEM private key in the file (expected -----BEGIN PRIVATE KEY-----, "
                    + "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
        }
        return key;
    }

    private static TlsFileException encrypted(Path file) {
        return new TlsFileException(file, "the private key is encrypted; pgmux needs it unencrypted "
                + "(openssl pkey -in encrypted.key -out plain.key) and readable only by pgmux's user");
    }

    private static PrivateKey decode(Path file, byte[] pkcs8) throws TlsFileException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // not this algorithm's key
            }
        }
        throw new TlsFileException(file, "the private key cannot be read (not an RSA, EC or Ed25519 key, or damaged)");
    }

    /** One PEM block: its label, whether its headers say it is encrypted, its bytes. */
    private record Block(String label, boolean encrypted, byte[] der) {
    }

    private static List<Block> blocks(Path file) throws TlsFileException {
        String text = read(file);
        List<Block> blocks = new ArrayList<>();
        String label = null;
        boolean encrypted = false;
        StringBuilder base64 = new StringBuilder();
        for (String rawLine : text.split("\r?\n")) {
            String line = rawLine.strip();
            if (label == null) {
                if (line.startsWith(BEGIN) && line.endsWith("-----")) {
                    label = line.substring(BEGIN.length(), line.length() - 5);
                    encrypted = false;
                    base64.setLength(0);
                }
            } else if (line.startsWith(END)) {
                try {
                    blocks.add(new Block(label, encrypted, Base64.getMimeDecoder().decode(base64.toString())));
                } catch (IllegalArgumentException e) {
                    throw new TlsFileException(file, "the PEM block " + label + " is not valid base64");
                }
                label = null;
            } else if (line.contains(":")) {
                encrypted |= line.startsWith("Proc-Type:") && line.contains("ENCRYPTED");
            } else {
                base64.append(line);
            }
        }
        if (label != null) {
            throw new TlsFileException(file, "the PEM block " + label + " has no END line");
        }
        return blocks;
    }

    private static String read(Path file) throws TlsFileException {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new TlsFileException(file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new TlsFileException(file, "permission denied (pgmux's user cannot read it)", e);
        } catch (IOException e) {
            throw new TlsFileException(file, "cannot be read: " + e, e);
        }
    }
}

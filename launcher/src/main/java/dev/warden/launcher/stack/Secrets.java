package dev.warden.launcher.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * Secrets made once and kept as files in the data folder, readable by their owner only: the same keys keep working
 * after a restart, and services only ever see what they need (the platform key as its SHA-256).
 */
final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    Secrets(Path dir) {
        this.dir = dir;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** The secret stored under this name, made by {@code generator} and stored the first time. */
    String getOrCreate(String name, Supplier<String> generator) {
        Path file = file(name);
        try {
            if (Files.isRegularFile(file)) {
                String stored = Files.readString(file).trim();
                if (!stored.isEmpty()) {
                    return stored;
                }
            }
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            String secret = generator.get();
            Files.writeString(file, secret + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the secret " + file, e);
        }
    }

    /** Writes {@code content} under this name, readable by its owner only, replacing what was there. */
    Path write(String name, String content) {
        Path file = file(name);
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Path next = dir.resolve(name + ".next");
            Files.writeString(next, content);
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            return Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the secret " + file, e);
        }
    }

    /** The format of Warden API keys ({@code ApiKeys} in warden-tenancy): {@code wdn_} and 32 random bytes. */
    static String newApiKey() {
        return "wdn_" + random(32);
    }

    /** An Ed25519 key pair as {@code <PKCS#8 base64>.<X.509 base64>}: the audit checkpoint signing key. */
    static String newSigningKeyPair() {
        try {
            var pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "."
                    + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String newPassword() {
        return random(24);
    }

    static String sha256Hex(String secret) {
        return sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }
}

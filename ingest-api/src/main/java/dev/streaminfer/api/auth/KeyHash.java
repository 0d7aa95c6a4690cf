package dev.streaminfer.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 hex of an API key: the only form in which keys are stored, cached or compared. */
public final class KeyHash {

    /** One digest per thread: looking up a provider per request showed in the API's load profile. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    });

    private KeyHash() {}

    public static String sha256Hex(String plainKey) {
        // digest() resets it for the next use
        return HexFormat.of().formatHex(SHA256.get().digest(plainKey.getBytes(StandardCharsets.UTF_8)));
    }
}

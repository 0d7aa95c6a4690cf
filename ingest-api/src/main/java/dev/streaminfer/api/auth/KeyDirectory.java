package dev.streaminfer.api.auth;

import java.util.Optional;

/**
 * Where key hashes are resolved to their owner. The real one is {@link ApiKeyStore} (PostgreSQL
 * {@code api_keys}); unit tests use a hand-written fake that passes the same contract test.
 */
public interface KeyDirectory {

    /**
     * The owner of an active (not revoked) key with this SHA-256 hex hash, or empty.
     *
     * @throws KeyDirectoryUnavailableException when the directory cannot be asked
     */
    Optional<Caller> lookup(String keyHash);

    /** Thrown when the store behind the directory is unreachable. */
    final class KeyDirectoryUnavailableException extends RuntimeException {
        public KeyDirectoryUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

package dev.streaminfer.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every {@link KeyDirectory} does; run on the fake and on PostgreSQL ({@code ApiKeyStoreITCase}). */
public abstract class KeyDirectoryContract {

    protected abstract KeyDirectory directory();

    protected abstract void addKey(String plainKey, String userId, String role, String plan);

    protected abstract void revokeKey(String plainKey);

    @Test
    void known_key_resolves_to_its_owner_by_hash() {
        String key = "contract-" + UUID.randomUUID();
        addKey(key, "carol", "admin", "pro");
        assertThat(directory().lookup(KeyHash.sha256Hex(key))).contains(new Caller("carol", Role.ADMIN, "pro"));
    }

    @Test
    void plain_key_is_not_a_hash_and_unknown_keys_resolve_to_nothing() {
        String key = "contract-" + UUID.randomUUID();
        addKey(key, "dave", "user", "free");
        assertThat(directory().lookup(key)).isEmpty();
        assertThat(directory().lookup(KeyHash.sha256Hex("never-issued-" + key))).isEmpty();
    }

    @Test
    void revoked_key_resolves_to_nothing() {
        String key = "contract-" + UUID.randomUUID();
        addKey(key, "erin", "user", "free");
        revokeKey(key);
        assertThat(directory().lookup(KeyHash.sha256Hex(key))).isEmpty();
    }
}

package dev.streaminfer.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

    private static final Caller ALICE = new Caller("alice", Role.USER, "free");

    private final TestingKeyDirectory directory = new TestingKeyDirectory().add("alice-key", ALICE);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Authenticator auth = new Authenticator(directory, Duration.ofSeconds(5), 3, now::get);

    @Test
    void bearer_key_resolves_to_its_caller() {
        assertThat(auth.authenticate("Bearer alice-key").caller()).isEqualTo(ALICE);
        assertThat(auth.authenticate("bearer   alice-key  ").caller()).isEqualTo(ALICE);
    }

    @Test
    void missing_malformed_and_unknown_keys_are_401_unauthorized() {
        for (String header : new String[] {null, "", "Bearer", "Bearer ", "Basic YWxpY2U6eA==", "alice-key",
                "Bearer alice key", "Bearer alice-key\u00e9", "Bearer " + "x".repeat(600), "Bearer wrong-key"}) {
            Authenticator.Result r = auth.authenticate(header);
            assertThat(r.isOk()).as(String.valueOf(header)).isFalse();
            assertThat(r.error().status()).isEqualTo(401);
            assertThat(r.error().code()).isEqualTo("unauthorized");
            assertThat(r.error().message()).doesNotContain("alice-key").doesNotContain("wrong-key");
        }
    }

    @Test
    void answers_are_cached_for_the_ttl_then_looked_up_again() {
        auth.authenticate("Bearer alice-key");
        auth.authenticate("Bearer alice-key");
        assertThat(directory.lookups).hasValue(1);

        now.addAndGet(Duration.ofSeconds(5).toNanos());
        auth.authenticate("Bearer alice-key");
        assertThat(directory.lookups).hasValue(2);
    }

    @Test
    void revoked_key_stops_working_within_the_ttl() {
        assertThat(auth.authenticate("Bearer alice-key").isOk()).isTrue();
        directory.revoke("alice-key");
        assertThat(auth.authenticate("Bearer alice-key").isOk()).as("still cached").isTrue();

        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(auth.authenticate("Bearer alice-key").isOk()).isFalse();
    }

    @Test
    void unknown_keys_are_cached_too_so_a_flood_costs_one_lookup_per_key() {
        for (int i = 0; i < 100; i++) {
            auth.authenticate("Bearer guess");
        }
        assertThat(directory.lookups).hasValue(1);
    }

    @Test
    void cache_stays_bounded() {
        for (int i = 0; i < 50; i++) {
            auth.authenticate("Bearer guess-" + i);
        }
        assertThat(auth.cachedEntries()).isLessThanOrEqualTo(3);
    }

    @Test
    void directory_down_is_503_for_uncached_keys_and_cached_keys_keep_working() {
        auth.authenticate("Bearer alice-key");
        directory.down = true;

        assertThat(auth.authenticate("Bearer alice-key").isOk()).isTrue();
        Authenticator.Result other = auth.authenticate("Bearer other-key");
        assertThat(other.error().status()).isEqualTo(503);
    }

    @Test
    void hash_is_sha256_hex() {
        assertThat(KeyHash.sha256Hex("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        // the thread's digest is reused: nothing of the previous key carries over
        assertThat(KeyHash.sha256Hex(""))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(KeyHash.sha256Hex("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}

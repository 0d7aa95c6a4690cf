package dev.streaminfer.api.store;

import dev.streaminfer.contract.redis.RedisKeys;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RequestStore} must do; run against the fake (unit test) and against a real
 * Redis ({@code RedisRequestStoreITCase}), so the fake cannot drift from the real thing.
 */
public abstract class RequestStoreContract {

    protected abstract RequestStore store();

    /** Writes a result document the way the job does. */
    protected abstract void writeResult(String requestId, String doc);

    protected abstract void writeUsage(String userId, String json);

    private static String id() {
        return "contract-" + UUID.randomUUID();
    }

    @Test
    void unknown_things_are_empty() {
        String id = id();
        assertThat(store().resultDocument(id)).isEmpty();
        assertThat(store().acceptedDocument(id)).isEmpty();
        assertThat(store().cancelMarker(id)).isEmpty();
        assertThat(store().usage("nobody-" + id)).isEmpty();
        assertThat(store().resultDocuments(List.of(id))).isEmpty();
        assertThat(store().resultDocuments(List.of())).isEmpty();
    }

    @Test
    void accepted_and_result_documents_round_trip() {
        String a = id();
        String b = id();
        store().putAccepted(a, "{\"status\":\"queued\"}", Duration.ofMinutes(1));
        writeResult(b, "{\"status\":\"completed\"}");

        assertThat(store().acceptedDocument(a)).contains("{\"status\":\"queued\"}");
        assertThat(store().resultDocument(b)).contains("{\"status\":\"completed\"}");
        assertThat(store().resultDocuments(List.of(a, b))).isEqualTo(Map.of(b, "{\"status\":\"completed\"}"));
    }

    @Test
    void accepting_also_reads_the_usage_mirror() {
        String id = id();
        String user = "u-" + id;
        assertThat(store().putAcceptedAndReadUsage(id, "{\"q\":1}", Duration.ofMinutes(1), user).join()).isEmpty();
        writeUsage(user, "{\"remaining_today\":5}");
        String id2 = id();
        assertThat(store().putAcceptedAndReadUsage(id2, "{\"q\":2}", Duration.ofMinutes(1), user).join())
                .contains("{\"remaining_today\":5}");
        assertThat(store().acceptedDocument(id)).contains("{\"q\":1}");
        assertThat(store().acceptedDocument(id2)).contains("{\"q\":2}");
    }

    @Test
    void cancel_marker_is_set_once() {
        String id = id();
        assertThat(store().putCancelIfAbsent(id, "first", Duration.ofMinutes(1))).isTrue();
        assertThat(store().putCancelIfAbsent(id, "second", Duration.ofMinutes(1))).isFalse();
        assertThat(store().cancelMarker(id)).contains("first");
    }

    @Test
    void usage_mirror_is_read() {
        String user = "u-" + id();
        writeUsage(user, "{\"remaining_today\":0}");
        assertThat(store().usage(user)).contains("{\"remaining_today\":0}");
    }

    @Test
    void idempotency_claim_is_exclusive_and_release_checks_the_value() {
        String key = RedisKeys.idempotency("user", id());
        assertThat(store().claimIdempotency(key, "v1", Duration.ofMinutes(1))).isEmpty();
        assertThat(store().claimIdempotency(key, "v2", Duration.ofMinutes(1))).contains("v1");

        store().releaseIdempotency(key, "not-v1");
        assertThat(store().idempotency(key)).contains("v1");

        assertThat(store().replaceIdempotency(key, "not-v1", "v3", Duration.ofMinutes(1))).isFalse();
        assertThat(store().idempotency(key)).contains("v1");
        assertThat(store().replaceIdempotency(key, "v1", "v3", Duration.ofMinutes(1))).isTrue();
        assertThat(store().idempotency(key)).contains("v3");

        store().releaseIdempotency(key, "v3");
        assertThat(store().idempotency(key)).isEqualTo(Optional.empty());
        assertThat(store().claimIdempotency(key, "v4", Duration.ofMinutes(1))).isEmpty();
    }

    @Test
    void replace_does_not_resurrect_a_released_claim() {
        String key = RedisKeys.idempotency("user", id());
        assertThat(store().replaceIdempotency(key, "gone", "late", Duration.ofMinutes(1))).isFalse();
        assertThat(store().idempotency(key)).isEmpty();
    }

    @Test
    void ping_answers() {
        assertThat(store().ping()).isTrue();
    }
}

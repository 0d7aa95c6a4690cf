package dev.streaminfer.api.service;

import dev.streaminfer.contract.quota.UsageDocument;
import static dev.streaminfer.api.service.ServiceFixtures.ALICE;
import static dev.streaminfer.api.service.ServiceFixtures.T0;
import static dev.streaminfer.api.service.ServiceFixtures.embed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.model.InferenceRequest;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class InferenceServiceTest {

    private final ServiceFixtures f = new ServiceFixtures();
    private final InferenceService service = f.inference();

    private static Consumer<ApiException> status(int status, String code) {
        return e -> {
            assertThat(e.error().status()).isEqualTo(status);
            assertThat(e.error().code()).isEqualTo(code);
        };
    }

    @Test
    void accepted_request_is_published_and_recorded_as_queued_for_its_owner() {
        InferenceService.Accepted accepted = service.submit(ALICE, embed("hello"), null, "tp");

        assertThat(f.publisher.requests).hasSize(1);
        InferenceRequest r = f.publisher.requests.get(0);
        assertThat(r.requestId()).isEqualTo(accepted.requestId());
        assertThat(r.userId()).isEqualTo("alice");
        assertThat(r.submittedAt()).isEqualTo(T0.toEpochMilli());
        assertThat(r.deadline()).isEqualTo(T0.toEpochMilli() + 60_000);
        assertThat(r.inputTokens()).as("the job counts authoritatively").isZero();
        assertThat(r.traceparent()).isEqualTo("tp");
        assertThat(f.store.acceptedDocument(accepted.requestId()).orElseThrow())
                .contains("\"user_id\":\"alice\"").contains("\"status\":\"queued\"");
    }

    @Test
    void kafka_failure_is_503_kafka_unavailable() {
        f.publisher.failing = true;
        assertThatThrownBy(() -> service.submit(ALICE, embed("x"), null, null))
                .isInstanceOfSatisfying(ApiException.class, status(503, "kafka_unavailable"));
    }

    @Test
    void kafka_known_down_is_503_without_trying() {
        f.kafkaReachable = false;
        assertThatThrownBy(() -> service.submit(ALICE, embed("x"), null, null))
                .isInstanceOfSatisfying(ApiException.class, status(503, "kafka_unavailable"));
        assertThat(f.publisher.requests).isEmpty();
    }

    @Test
    void redis_down_is_503_and_nothing_reaches_kafka() {
        f.store.down = true;
        assertThatThrownBy(() -> service.submit(ALICE, embed("x"), null, null))
                .isInstanceOfSatisfying(ApiException.class, status(503, "service_unavailable"));
        assertThat(f.publisher.requests).isEmpty();
    }

    @Test
    void spent_daily_budget_is_429_with_retry_after_and_nothing_is_published() {
        f.store.putUsage("alice", new UsageDocument("alice", "free", 10_000L, 200_000L, 200_000, 0L,
                java.time.Instant.parse("2026-11-23T00:00:00Z").toEpochMilli()).encode());
        assertThatThrownBy(() -> service.submit(ALICE, embed("x"), null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(429);
                    assertThat(e.error().code()).isEqualTo("quota_exceeded");
                    assertThat(e.error().retryAfterSeconds()).isEqualTo(14 * 3600);
                });
        assertThat(f.publisher.requests).isEmpty();
    }

    @Test
    void idempotent_repeat_returns_the_first_id_and_publishes_once() {
        InferenceService.Accepted first = service.submit(ALICE, embed("x"), "key-1", null);
        InferenceService.Accepted again = service.submit(ALICE, embed("x"), "key-1", null);

        assertThat(again.requestId()).isEqualTo(first.requestId());
        assertThat(again.replayed()).isTrue();
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void idempotency_keys_are_scoped_per_user() {
        InferenceService.Accepted alices = service.submit(ALICE, embed("x"), "same", null);
        InferenceService.Accepted bobs = service.submit(ServiceFixtures.BOB, embed("x"), "same", null);
        assertThat(bobs.requestId()).isNotEqualTo(alices.requestId());
        assertThat(f.publisher.requests).hasSize(2);
    }

    @Test
    void failed_write_releases_the_idempotency_key_so_a_retry_is_processed() {
        f.publisher.failing = true;
        assertThatThrownBy(() -> service.submit(ALICE, embed("x"), "retry-me", null)).isInstanceOf(ApiException.class);
        assertThat(f.store.idempotency(RedisKeys.idempotency("alice", "retry-me"))).isEmpty();

        f.publisher.failing = false;
        InferenceService.Accepted retried = service.submit(ALICE, embed("x"), "retry-me", null);
        assertThat(retried.replayed()).isFalse();
        assertThat(f.publisher.requests).hasSize(1);
    }
}

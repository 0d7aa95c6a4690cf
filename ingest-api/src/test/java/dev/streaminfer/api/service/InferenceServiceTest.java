package dev.streaminfer.api.service;

import dev.streaminfer.contract.concurrent.Futures;
import dev.streaminfer.contract.quota.UsageDocument;
import static dev.streaminfer.api.service.ServiceFixtures.ALICE;
import static dev.streaminfer.api.service.ServiceFixtures.T0;
import static dev.streaminfer.api.service.ServiceFixtures.embed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.kafka.TestingPublisher;
import dev.streaminfer.api.request.ParsedInference;
import dev.streaminfer.api.service.IdempotencyKeys.Claim;
import dev.streaminfer.api.service.IdempotencyKeys.State;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.contract.model.InferenceRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class InferenceServiceTest {

    private final ServiceFixtures f = new ServiceFixtures();
    private final InferenceService service = f.inference();
    /** Longer than OWNER_BOUND + SETTLE: a pending claim then counts as abandoned. */
    private static final Duration ABANDONED = Duration.ofSeconds(16);

    private static Consumer<ApiException> status(int status, String code) {
        return e -> {
            assertThat(e.error().status()).isEqualTo(status);
            assertThat(e.error().code()).isEqualTo(code);
        };
    }

    private InferenceService.Accepted submit(String key) {
        return Futures.join(service.submit(ALICE, embed("x"), key, null));
    }

    private Claim claim(String key) {
        return Claim.parse(f.store.idempotency(RedisKeys.idempotency("alice", key)).orElseThrow()).orElseThrow();
    }

    private void mirror(long tokensPerMinute, long tokensPerDay, long usedToday) {
        f.store.putUsage("alice", new UsageDocument("alice", "free", tokensPerMinute, tokensPerDay, usedToday,
                Math.max(0, tokensPerDay - usedToday), Instant.parse("2026-11-23T00:00:00Z").toEpochMilli()).encode());
    }

    @Test
    void accepted_request_is_published_and_recorded_as_queued_for_its_owner() {
        InferenceService.Accepted accepted = Futures.join(service.submit(ALICE, embed("hello"), null, "tp"));

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
        assertThatThrownBy(() -> submit(null)).isInstanceOfSatisfying(ApiException.class, status(503, "kafka_unavailable"));
    }

    @Test
    void kafka_known_down_is_503_without_trying() {
        f.kafkaReachable = false;
        assertThatThrownBy(() -> submit(null)).isInstanceOfSatisfying(ApiException.class, status(503, "kafka_unavailable"));
        assertThat(f.publisher.requests).isEmpty();
    }

    @Test
    void redis_down_is_503_and_nothing_reaches_kafka() {
        f.store.down = true;
        assertThatThrownBy(() -> submit(null)).isInstanceOfSatisfying(ApiException.class, status(503, "service_unavailable"));
        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, status(503, "service_unavailable"));
        assertThat(f.publisher.requests).isEmpty();
    }

    @Test
    void a_write_kafka_did_not_confirm_without_a_key_is_503_outcome_unknown_not_nothing_accepted() {
        f.publisher.mode = TestingPublisher.Mode.TIMEOUT_WRITTEN;
        assertThatThrownBy(() -> submit(null)).isInstanceOfSatisfying(ApiException.class, e -> {
            status(503, "outcome_unknown").accept(e);
            assertThat(e.error().message()).contains("may hold the request").doesNotContain("nothing was accepted");
        });
    }

    // The quota gate, with the request's own token count (embed("x") costs 3).

    @Test
    void a_request_larger_than_what_is_left_today_is_429_with_retry_after_to_the_reset() {
        mirror(10_000, 1_000, 998);
        assertThatThrownBy(() -> submit(null)).isInstanceOfSatisfying(ApiException.class, e -> {
            status(429, "quota_exceeded").accept(e);
            assertThat(e.error().retryAfterSeconds()).isEqualTo(14 * 3600);
        });
        assertThat(f.publisher.requests).isEmpty();

        mirror(10_000, 1_000, 997);
        assertThat(submit(null).requestId()).as("exactly what is left fits").isNotNull();
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void a_request_larger_than_the_minute_capacity_is_429_and_never_fits() {
        mirror(2, 1_000, 0);
        assertThatThrownBy(() -> submit(null)).isInstanceOfSatisfying(ApiException.class, e -> {
            status(429, "quota_exceeded").accept(e);
            assertThat(e.error().retryAfterSeconds()).as("no wait helps").isZero();
            assertThat(e.error().message()).contains("per minute").contains("never");
        });
        assertThat(f.publisher.requests).isEmpty();
    }

    @Test
    void a_quota_refusal_releases_the_key_so_a_retry_is_judged_afresh() {
        mirror(10_000, 1_000, 1_000);
        assertThatThrownBy(() -> submit("quota")).isInstanceOfSatisfying(ApiException.class, status(429, "quota_exceeded"));
        assertThat(f.store.idempotency(RedisKeys.idempotency("alice", "quota"))).isEmpty();

        mirror(10_000, 1_000, 0); // a refund, or a new plan
        assertThat(submit("quota").replayed()).isFalse();
        assertThat(f.publisher.requests).hasSize(1);
    }

    // Idempotency.

    @Test
    void idempotent_repeat_returns_the_first_id_and_publishes_once() {
        InferenceService.Accepted first = submit("key-1");
        InferenceService.Accepted again = submit("key-1");

        assertThat(again.requestId()).isEqualTo(first.requestId());
        assertThat(again.replayed()).isTrue();
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void the_same_key_with_another_body_is_422_and_nothing_is_published() {
        submit("key-1");
        ParsedInference other = new ParsedInference("all-minilm-l6-v2-q", new String[] {"x"}, Priority.HIGH, 60_000, 3);

        assertThatThrownBy(() -> Futures.join(service.submit(ALICE, other, "key-1", null)))
                .isInstanceOfSatisfying(ApiException.class, status(422, "idempotency_key_reused"));
        assertThatThrownBy(() -> Futures.join(service.submit(ALICE, embed("y"), "key-1", null)))
                .isInstanceOfSatisfying(ApiException.class, status(422, "idempotency_key_reused"));
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void idempotency_keys_are_scoped_per_user() {
        InferenceService.Accepted alices = submit("same");
        InferenceService.Accepted bobs = Futures.join(service.submit(ServiceFixtures.BOB, embed("x"), "same", null));
        assertThat(bobs.requestId()).isNotEqualTo(alices.requestId());
        assertThat(f.publisher.requests).hasSize(2);
    }

    @Test
    void failed_write_releases_the_idempotency_key_so_a_retry_is_processed() {
        f.publisher.failing = true;
        assertThatThrownBy(() -> submit("retry-me")).isInstanceOfSatisfying(ApiException.class,
                status(503, "kafka_unavailable"));
        assertThat(f.store.idempotency(RedisKeys.idempotency("alice", "retry-me"))).isEmpty();

        f.publisher.failing = false;
        InferenceService.Accepted retried = submit("retry-me");
        assertThat(retried.replayed()).isFalse();
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void redis_failing_before_the_write_is_503_and_the_key_is_released() {
        f.store.failing.add("putAcceptedAndReadUsage");
        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, status(503, "service_unavailable"));
        assertThat(f.store.idempotency(RedisKeys.idempotency("alice", "k"))).isEmpty();
        assertThat(f.publisher.requests).isEmpty();

        f.store.failing.clear();
        assertThat(submit("k").replayed()).isFalse();
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void redis_failing_before_the_write_and_at_the_release_leaves_a_claim_that_a_retry_settles() {
        f.store.failing.addAll(java.util.List.of("putAcceptedAndReadUsage", "releaseIdempotency"));
        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, status(503, "service_unavailable"));
        f.store.failing.clear();
        String first = claim("k").requestId();
        assertThat(claim("k").state()).isEqualTo(State.PENDING);

        assertThatThrownBy(() -> submit("k")).as("the owner might still be writing")
                .isInstanceOfSatisfying(ApiException.class, status(409, "idempotency_in_progress"));

        f.clock.advance(ABANDONED);
        InferenceService.Accepted settled = submit("k");
        assertThat(settled.requestId()).as("the key keeps its id").isEqualTo(first);
        assertThat(f.publisher.recordsOf(first)).isOne();
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void redis_failing_after_the_kafka_ack_still_answers_the_id_and_a_retry_gets_it_without_a_second_record() {
        f.store.failing.add("replaceIdempotency");
        InferenceService.Accepted first = submit("k");
        f.store.failing.clear();

        assertThat(first.replayed()).isFalse();
        assertThat(f.publisher.recordsOf(first.requestId())).isOne();
        assertThat(claim("k").state()).as("the claim could not be marked accepted").isEqualTo(State.PENDING);

        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class,
                status(409, "idempotency_in_progress"));
        f.clock.advance(ABANDONED);
        InferenceService.Accepted retried = submit("k");

        assertThat(retried).isEqualTo(new InferenceService.Accepted(first.requestId(), true));
        assertThat(f.publisher.requests).hasSize(1);
        assertThat(claim("k").state()).isEqualTo(State.ACCEPTED);
    }

    @Test
    void a_write_kafka_holds_but_never_confirmed_is_retried_to_the_same_id_and_no_second_record() {
        f.publisher.mode = TestingPublisher.Mode.TIMEOUT_WRITTEN;
        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, e -> {
            status(503, "outcome_unknown").accept(e);
            assertThat(e.error().retryAfterSeconds()).isEqualTo(5);
        });
        f.publisher.mode = TestingPublisher.Mode.ACK;
        String first = claim("k").requestId();
        assertThat(claim("k").state()).isEqualTo(State.UNCONFIRMED);

        assertThatThrownBy(() -> submit("k")).as("before Kafka could still append it")
                .isInstanceOfSatisfying(ApiException.class, status(503, "outcome_unknown"));
        f.clock.advance(ServiceFixtures.SETTLE);
        InferenceService.Accepted retried = submit("k");

        assertThat(retried).isEqualTo(new InferenceService.Accepted(first, true));
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void a_write_kafka_lost_without_confirming_is_written_on_retry_under_the_same_id() {
        f.publisher.mode = TestingPublisher.Mode.TIMEOUT_LOST;
        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, status(503, "outcome_unknown"));
        f.publisher.mode = TestingPublisher.Mode.ACK;
        String first = claim("k").requestId();
        assertThat(f.publisher.requests).isEmpty();

        f.clock.advance(ServiceFixtures.SETTLE);
        InferenceService.Accepted retried = submit("k");

        assertThat(retried.requestId()).isEqualTo(first);
        assertThat(retried.replayed()).as("this is the write Kafka acknowledged").isFalse();
        assertThat(f.publisher.recordsOf(first)).isOne();
        assertThat(f.publisher.requests.get(0).submittedAt()).as("submitted when it was really written")
                .isEqualTo(f.clock.millis());
        assertThat(f.store.acceptedDocument(first)).isPresent();
        assertThat(submit("k")).isEqualTo(new InferenceService.Accepted(first, true));
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void a_retry_while_kafka_still_cannot_be_read_is_503_and_changes_nothing() {
        f.publisher.mode = TestingPublisher.Mode.TIMEOUT_LOST;
        assertThatThrownBy(() -> submit("k")).isInstanceOf(ApiException.class);
        f.publisher.mode = TestingPublisher.Mode.ACK;
        f.publisher.lookupDown = true;
        f.clock.advance(ServiceFixtures.SETTLE);

        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, status(503, "outcome_unknown"));
        assertThat(claim("k").state()).isEqualTo(State.UNCONFIRMED);
        assertThat(f.publisher.requests).isEmpty();
    }

    @Test
    void an_unknown_outcome_that_redis_could_not_record_is_settled_once_the_claim_is_abandoned() {
        f.publisher.mode = TestingPublisher.Mode.TIMEOUT_WRITTEN;
        f.store.failing.add("replaceIdempotency");
        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, status(503, "outcome_unknown"));
        f.publisher.mode = TestingPublisher.Mode.ACK;
        f.store.failing.clear();
        String first = claim("k").requestId();
        assertThat(claim("k").state()).isEqualTo(State.PENDING);

        f.clock.advance(ABANDONED);
        assertThat(submit("k")).isEqualTo(new InferenceService.Accepted(first, true));
        assertThat(f.publisher.requests).hasSize(1);
    }

    @Test
    void a_refused_write_whose_release_failed_is_written_under_the_same_id_once_abandoned() {
        f.publisher.failing = true;
        f.store.failing.add("releaseIdempotency");
        assertThatThrownBy(() -> submit("k")).isInstanceOfSatisfying(ApiException.class, status(503, "kafka_unavailable"));
        f.publisher.failing = false;
        f.store.failing.clear();
        String first = claim("k").requestId();

        f.clock.advance(ABANDONED);
        InferenceService.Accepted retried = submit("k");

        assertThat(retried).isEqualTo(new InferenceService.Accepted(first, false));
        assertThat(f.publisher.recordsOf(first)).isOne();
    }
}

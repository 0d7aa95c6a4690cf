package dev.streaminfer.api.service;

import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.api.auth.Role;
import dev.streaminfer.api.kafka.TestingPublisher;
import dev.streaminfer.api.quota.TestingQuotaOverrides;
import dev.streaminfer.api.request.ParsedInference;
import dev.streaminfer.api.store.TestingRequestStore;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/** Named test data: callers, a parsed request, services over the fakes at a fixed instant. */
final class ServiceFixtures {

    static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    static final Caller ALICE = new Caller("alice", Role.USER, "free");
    static final Caller BOB = new Caller("bob", Role.USER, "pro");

    final TestingRequestStore store = new TestingRequestStore();
    final TestingPublisher publisher = new TestingPublisher();
    final TestingQuotaOverrides overrides = new TestingQuotaOverrides();
    static final Caller ADMIN = new Caller("root", Role.ADMIN, "unlimited");
    /** Stands still unless a test (or a waiting duplicate) moves it. */
    final MovableClock clock = new MovableClock(T0);
    volatile boolean kafkaReachable = true;

    /** An owner finishes within 10 s; Kafka may append a write given up on for 5 s more. */
    static final Duration OWNER_BOUND = Duration.ofSeconds(10);
    static final Duration SETTLE = Duration.ofSeconds(5);

    IdempotencyKeys idempotency() {
        return new IdempotencyKeys(store, publisher, Duration.ofHours(24), OWNER_BOUND, SETTLE, Duration.ofSeconds(2),
                clock, clock::advance);
    }

    InferenceService inference() {
        return new InferenceService(store, publisher, idempotency(), () -> kafkaReachable, clock,
                Duration.ofSeconds(1), Duration.ofHours(24), Runnable::run);
    }

    RequestService requests() {
        return new RequestService(store, publisher, clock, Duration.ofSeconds(1), Duration.ofHours(24));
    }

    QuotaService quotas() {
        return new QuotaService(overrides, publisher, clock, Duration.ofSeconds(1));
    }

    UsageService usage() {
        return new UsageService(store, quotas(), clock);
    }

    static ParsedInference embed(String... inputs) {
        return new ParsedInference("all-minilm-l6-v2-q", inputs, Priority.NORMAL, 60_000, inputs.length * 3);
    }

    /** A clock tests move by hand; waiting on it moves it. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(long millis) {
            now = now.plusMillis(millis);
        }

        void advance(Duration d) {
            advance(d.toMillis());
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    void jobWrites(String requestId, String userId, RequestStatus status) {
        InferenceResult result = new InferenceResult(requestId, userId, "all-minilm-l6-v2-q", Priority.NORMAL, status, 3,
                status == RequestStatus.COMPLETED ? 3 : 0,
                status == RequestStatus.COMPLETED ? new float[][] {{1f}} : null,
                status == RequestStatus.COMPLETED ? null : "x", status == RequestStatus.COMPLETED ? null : "x",
                0, T0.toEpochMilli(), T0.toEpochMilli() + 5, null);
        store.putResult(requestId, new String(ResultDocumentCodec.encode(result), StandardCharsets.UTF_8));
    }
}

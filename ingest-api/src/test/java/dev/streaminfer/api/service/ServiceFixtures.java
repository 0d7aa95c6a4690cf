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
    final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    volatile boolean kafkaReachable = true;

    IdempotencyKeys idempotency() {
        return new IdempotencyKeys(store, Duration.ofHours(24), Duration.ofSeconds(10), Duration.ofSeconds(11), Clock.systemUTC(), Thread::sleep);
    }

    InferenceService inference() {
        return new InferenceService(store, publisher, idempotency(), () -> kafkaReachable, clock,
                Duration.ofSeconds(1), Duration.ofHours(24));
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

    void jobWrites(String requestId, String userId, RequestStatus status) {
        InferenceResult result = new InferenceResult(requestId, userId, "all-minilm-l6-v2-q", status, 3,
                status == RequestStatus.COMPLETED ? 3 : 0,
                status == RequestStatus.COMPLETED ? new float[][] {{1f}} : null,
                status == RequestStatus.COMPLETED ? null : "x", status == RequestStatus.COMPLETED ? null : "x",
                0, T0.toEpochMilli(), T0.toEpochMilli() + 5, null);
        store.putResult(requestId, new String(ResultDocumentCodec.encode(result), StandardCharsets.UTF_8));
    }
}

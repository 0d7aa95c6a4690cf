package dev.streaminfer.api.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.kafka.RequestLookupContract;
import dev.streaminfer.api.kafka.TestingPublisher;
import dev.streaminfer.api.service.IdempotencyKeys.Claim;
import dev.streaminfer.api.service.IdempotencyKeys.State;
import dev.streaminfer.api.store.TestingRequestStore;
import dev.streaminfer.contract.redis.RedisKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The claim protocol over the fake store, with the fake publisher as the Kafka it looks into. */
class IdempotencyKeysTest {

    private static final String FP = "f".repeat(64);
    private static final String OTHER_FP = "0".repeat(64);
    private static final String KEY = RedisKeys.idempotency("alice", "k");

    private final TestingRequestStore store = new TestingRequestStore();
    private final TestingPublisher kafka = new TestingPublisher();
    private final ServiceFixtures.MovableClock clock = new ServiceFixtures.MovableClock(ServiceFixtures.T0);
    private final IdempotencyKeys keys = keys(clock);
    private final AtomicInteger writes = new AtomicInteger();

    private IdempotencyKeys keys(Clock c) {
        return new IdempotencyKeys(store, kafka, Duration.ofHours(24), ServiceFixtures.OWNER_BOUND,
                ServiceFixtures.SETTLE, Duration.ofSeconds(2), c,
                c == clock ? clock::advance : Thread::sleep);
    }

    /** A write that reaches "Kafka" (the fake publisher) under the id it is given. */
    private void write(String requestId) {
        writes.incrementAndGet();
        kafka.requests.add(RequestLookupContract.request(requestId, "alice", clock.millis()));
    }

    private long now() {
        return clock.millis();
    }

    private static Consumer<ApiException> status(int status, String code) {
        return e -> {
            assertThat(e.error().status()).isEqualTo(status);
            assertThat(e.error().code()).isEqualTo(code);
        };
    }

    @Test
    void concurrent_duplicates_run_the_write_once_and_all_get_the_same_id() throws Exception {
        IdempotencyKeys real = keys(Clock.systemUTC());
        int clients = 32;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<IdempotencyKeys.Outcome>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String candidate = "id-" + i;
            results.add(pool.submit(() -> {
                start.await();
                return real.once("alice", "k", FP, candidate, id -> {
                    writes.incrementAndGet();
                    sleep(50); // a slow Kafka ack: the others must wait, not write
                });
            }));
        }
        start.countDown();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        int replays = 0;
        for (Future<IdempotencyKeys.Outcome> r : results) {
            ids.add(r.get().requestId());
            replays += r.get().replayed() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(writes).hasValue(1);
        assertThat(ids).hasSize(1);
        assertThat(replays).isEqualTo(clients - 1);
    }

    @Test
    void an_acknowledged_write_is_recorded_and_replayed() {
        assertThat(keys.once("alice", "k", FP, "first", this::write)).isEqualTo(new IdempotencyKeys.Outcome("first", false));
        assertThat(store.values.get(KEY)).isEqualTo("accepted:first:" + FP);

        assertThat(keys.once("alice", "k", FP, "second", this::write)).isEqualTo(new IdempotencyKeys.Outcome("first", true));
        assertThat(writes).hasValue(1);
    }

    @Test
    void a_repeat_with_another_body_is_422_in_every_state_and_writes_nothing() {
        for (String claim : new String[] {"pending:p:" + now() + ":" + FP, "accepted:a:" + FP,
                "unconfirmed:u:" + now() + ":" + now() + ":" + FP}) {
            store.values.put(KEY, claim);
            assertThatThrownBy(() -> keys.once("alice", "k", OTHER_FP, "new", this::write)).as(claim)
                    .isInstanceOfSatisfying(ApiException.class, status(422, "idempotency_key_reused"));
            assertThat(store.values.get(KEY)).as("claim untouched").isEqualTo(claim);
        }
        assertThat(writes).hasValue(0);
        assertThat(kafka.lookups).isZero();
    }

    @Test
    void values_written_before_fingerprints_are_replayed_not_refused() {
        store.values.put(KEY, "accepted:old-id");
        assertThat(keys.once("alice", "k", FP, "new", this::write)).isEqualTo(new IdempotencyKeys.Outcome("old-id", true));
    }

    @Test
    void a_failed_write_releases_the_claim_so_a_retry_starts_afresh() {
        assertThatThrownBy(() -> keys.once("alice", "k", FP, "first", id -> {
            throw ApiError.kafkaUnavailable("refused").exception();
        })).isInstanceOfSatisfying(ApiException.class, status(503, "kafka_unavailable"));
        assertThat(store.values).doesNotContainKey(KEY);

        assertThat(keys.once("alice", "k", FP, "second", this::write).requestId()).isEqualTo("second");
    }

    @Test
    void an_unknown_outcome_marks_the_claim_unconfirmed_and_answers_503_outcome_unknown() {
        assertThatThrownBy(() -> keys.once("alice", "k", FP, "first", id -> {
            throw new IdempotencyKeys.WriteOutcomeUnknown("timeout");
        })).isInstanceOfSatisfying(ApiException.class, e -> {
            status(503, "outcome_unknown").accept(e);
            assertThat(e.error().retryAfterSeconds()).as("when it can be settled").isEqualTo(5);
            assertThat(e.error().message()).contains("same Idempotency-Key");
        });
        Claim claim = Claim.parse(store.values.get(KEY)).orElseThrow();
        assertThat(claim.state()).isEqualTo(State.UNCONFIRMED);
        assertThat(claim.requestId()).isEqualTo("first");
        assertThat(claim.fingerprint()).isEqualTo(FP);
    }

    @Test
    void an_unconfirmed_claim_is_503_until_it_can_be_settled_then_kafka_decides() {
        long gaveUp = now();
        store.values.put(KEY, "unconfirmed:first:" + (gaveUp - 3_000) + ":" + gaveUp + ":" + FP);

        clock.advance(2_000);
        assertThatThrownBy(() -> keys.once("alice", "k", FP, "new", this::write))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    status(503, "outcome_unknown").accept(e);
                    assertThat(e.error().retryAfterSeconds()).isEqualTo(3);
                });
        assertThat(kafka.lookups).as("too early to conclude anything").isZero();

        clock.advance(3_000);
        IdempotencyKeys.Outcome settled = keys.once("alice", "k", FP, "new", this::write);

        assertThat(settled).as("not in Kafka: written now, under the same id")
                .isEqualTo(new IdempotencyKeys.Outcome("first", false));
        assertThat(kafka.recordsOf("first")).isOne();
        assertThat(store.values.get(KEY)).isEqualTo("accepted:first:" + FP);
        assertThat(keys.once("alice", "k", FP, "again", this::write)).isEqualTo(new IdempotencyKeys.Outcome("first", true));
        assertThat(kafka.recordsOf("first")).isOne();
    }

    @Test
    void an_unconfirmed_claim_whose_record_is_in_kafka_is_replayed_without_a_write() {
        long gaveUp = now() - 10_000;
        store.values.put(KEY, "unconfirmed:first:" + (gaveUp - 3_000) + ":" + gaveUp + ":" + FP);
        kafka.requests.add(RequestLookupContract.request("first", "alice", gaveUp - 2_000));

        assertThat(keys.once("alice", "k", FP, "new", this::write)).isEqualTo(new IdempotencyKeys.Outcome("first", true));
        assertThat(writes).hasValue(0);
        assertThat(store.values.get(KEY)).isEqualTo("accepted:first:" + FP);
    }

    @Test
    void when_kafka_cannot_tell_the_claim_stays_and_the_answer_is_503() {
        long gaveUp = now() - 10_000;
        String claim = "unconfirmed:first:" + (gaveUp - 3_000) + ":" + gaveUp + ":" + FP;
        store.values.put(KEY, claim);
        kafka.lookupDown = true;

        assertThatThrownBy(() -> keys.once("alice", "k", FP, "new", this::write))
                .isInstanceOfSatisfying(ApiException.class, status(503, "outcome_unknown"));
        assertThat(store.values.get(KEY)).isEqualTo(claim);
        assertThat(writes).hasValue(0);

        kafka.lookupDown = false;
        assertThat(keys.once("alice", "k", FP, "new", this::write).requestId()).isEqualTo("first");
    }

    @Test
    void an_abandoned_claim_keeps_its_id_and_is_settled_by_kafka() {
        // Its owner died (or lost Redis) 16 s ago, more than OWNER_BOUND + SETTLE.
        store.values.put(KEY, "pending:dead-id:" + (now() - 16_000) + ":" + FP);

        IdempotencyKeys.Outcome outcome = keys.once("alice", "k", FP, "new-id", this::write);

        assertThat(outcome).isEqualTo(new IdempotencyKeys.Outcome("dead-id", false));
        assertThat(kafka.recordsOf("dead-id")).isOne();
        assertThat(kafka.recordsOf("new-id")).isZero();
        assertThat(store.values.get(KEY)).isEqualTo("accepted:dead-id:" + FP);
    }

    @Test
    void an_abandoned_claim_whose_owner_did_write_is_replayed() {
        store.values.put(KEY, "pending:dead-id:" + (now() - 16_000) + ":" + FP);
        kafka.requests.add(RequestLookupContract.request("dead-id", "alice", now() - 15_000));

        assertThat(keys.once("alice", "k", FP, "new-id", this::write)).isEqualTo(new IdempotencyKeys.Outcome("dead-id", true));
        assertThat(writes).hasValue(0);
    }

    @Test
    void a_live_claim_that_never_finishes_gives_up_with_409() {
        IdempotencyKeys waiting = new IdempotencyKeys(store, kafka, Duration.ofHours(24), ServiceFixtures.OWNER_BOUND,
                ServiceFixtures.SETTLE, Duration.ofSeconds(2), clock, ms -> {
                    clock.advance(ms);
                    // the owner keeps its claim fresh-looking: re-claimed just now each time
                    store.values.put(KEY, "pending:slow-id:" + now() + ":" + FP);
                });
        store.values.put(KEY, "pending:slow-id:" + now() + ":" + FP);

        assertThatThrownBy(() -> waiting.once("alice", "k", FP, "mine", this::write))
                .isInstanceOfSatisfying(ApiException.class, status(409, "idempotency_in_progress"));
        assertThat(writes).hasValue(0);
    }

    @Test
    void redis_down_at_the_claim_is_503_and_nothing_is_written() {
        store.failing.add("claimIdempotency");
        assertThatThrownBy(() -> keys.once("alice", "k", FP, "first", this::write))
                .isInstanceOfSatisfying(ApiException.class, status(503, "service_unavailable"));
        assertThat(writes).hasValue(0);
    }

    @Test
    void racing_retries_of_an_unsettled_claim_write_it_once() throws Exception {
        IdempotencyKeys real = keys(Clock.systemUTC());
        long gaveUp = System.currentTimeMillis() - 60_000;
        store.values.put(KEY, "unconfirmed:lost-id:" + (gaveUp - 1_000) + ":" + gaveUp + ":" + FP);
        int clients = 16;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<IdempotencyKeys.Outcome>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String candidate = "id-" + i;
            results.add(pool.submit(() -> {
                start.await();
                return real.once("alice", "k", FP, candidate, id -> {
                    sleep(20);
                    write(id);
                });
            }));
        }
        start.countDown();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        for (Future<IdempotencyKeys.Outcome> r : results) {
            ids.add(r.get().requestId());
        }
        pool.shutdown();

        assertThat(ids).containsExactly("lost-id");
        assertThat(kafka.recordsOf("lost-id")).isOne();
        assertThat(writes).hasValue(1);
    }

    @Test
    void a_value_this_protocol_does_not_write_is_replaced() {
        store.values.put(KEY, "garbage");
        assertThat(keys.once("alice", "k", FP, "first", this::write).requestId()).isEqualTo("first");
    }

    @Test
    void claim_values_round_trip() {
        for (Claim c : new Claim[] {Claim.pending("id-1", 5, FP), Claim.pending("id-1", 5, FP).accepted(),
                Claim.pending("id-1", 5, FP).unconfirmed(9), Claim.pending("id-1", 5, null)}) {
            assertThat(Claim.parse(c.encode())).as(c.encode()).contains(c);
        }
        assertThat(Claim.parse("pending:id:notanumber:" + FP)).isEmpty();
        assertThat(Claim.parse("pending::5:" + FP)).isEmpty();
        assertThat(Claim.parse("unconfirmed:id:5:" + FP)).isEmpty();
        assertThat(Claim.parse("")).isEmpty();
    }

    @Test
    void key_format() {
        assertThat(IdempotencyKeys.validate("order-123_ok:v1")).isEmpty();
        assertThat(IdempotencyKeys.validate("")).isPresent();
        assertThat(IdempotencyKeys.validate("has space")).isPresent();
        assertThat(IdempotencyKeys.validate("x".repeat(256))).isPresent();
        assertThat(IdempotencyKeys.validate("caf\u00e9")).isPresent();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.streaminfer.api.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.api.store.TestingRequestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {

    private final TestingRequestStore store = new TestingRequestStore();

    @Test
    void concurrent_duplicates_run_the_write_once_and_all_get_the_same_id() throws Exception {
        IdempotencyKeys keys = new IdempotencyKeys(store, Duration.ofHours(24), Duration.ofSeconds(10), Duration.ofSeconds(11),
                Clock.systemUTC(), Thread::sleep);
        AtomicInteger writes = new AtomicInteger();
        int clients = 32;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<IdempotencyKeys.Outcome>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String candidate = "id-" + i;
            results.add(pool.submit(() -> {
                start.await();
                return keys.once("alice", "k", candidate, () -> {
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
    void a_claim_whose_owner_died_is_taken_over() {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        String redisKey = RedisKeys.idempotency("alice", "k");
        store.values.put(redisKey, "pending:dead-id:" + now.minusSeconds(60).toEpochMilli());
        IdempotencyKeys keys = new IdempotencyKeys(store, Duration.ofHours(24), Duration.ofSeconds(10), Duration.ofSeconds(11),
                Clock.fixed(now, ZoneOffset.UTC), ms -> {});

        IdempotencyKeys.Outcome outcome = keys.once("alice", "k", "new-id", () -> {});

        assertThat(outcome).isEqualTo(new IdempotencyKeys.Outcome("new-id", false));
        assertThat(store.values.get(redisKey)).isEqualTo("accepted:new-id");
    }

    @Test
    void a_live_claim_that_never_finishes_gives_up_with_409() {
        Instant[] now = {Instant.parse("2026-11-22T10:00:00Z")};
        String redisKey = RedisKeys.idempotency("alice", "k");
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now[0]; }
        };
        IdempotencyKeys keys = new IdempotencyKeys(store, Duration.ofHours(24), Duration.ofSeconds(10), Duration.ofSeconds(11), clock,
                ms -> {
                    now[0] = now[0].plusMillis(ms);
                    // the owner keeps its claim fresh-looking: re-claimed just now each time
                    store.values.put(redisKey, "pending:slow-id:" + now[0].toEpochMilli());
                });
        store.values.put(redisKey, "pending:slow-id:" + now[0].toEpochMilli());

        assertThatThrownBy(() -> keys.once("alice", "k", "mine", () -> {}))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(409));
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

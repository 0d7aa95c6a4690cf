package dev.streaminfer.functions.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.localstack.LocalRedis;
import dev.streaminfer.localstack.Ports;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The cancellation check's contract, passed by the in-memory fake and by the Redis implementation. */
class CancellationCheckContractTest {

    abstract static class Contract {
        abstract CancellationCheck check();

        abstract void markCancelled(String requestId);

        @Test
        void findsExactlyTheCancelledRequestsOfABatch() throws Exception {
            String a = UUID.randomUUID().toString();
            String b = UUID.randomUUID().toString();
            String c = UUID.randomUUID().toString();
            markCancelled(b);
            try (CancellationCheck.Lookup lookup = check().open()) {
                assertThat(lookup.cancelled(List.of(a, b, c))).containsExactly(b);
                assertThat(lookup.cancelled(List.of())).isEmpty();
            }
        }
    }

    @Nested
    class InMemoryFake extends Contract {
        private final BatchRunnerTest.TestingCancellationCheck fake = new BatchRunnerTest.TestingCancellationCheck();

        @Override
        CancellationCheck check() {
            return fake;
        }

        @Override
        void markCancelled(String requestId) {
            fake.cancel(requestId);
        }
    }

    static LocalRedis redis;
    static RedisClient client;
    static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void startRedis() throws Exception {
        Path dir = Files.createTempDirectory("cancel-redis");
        redis = new LocalRedis(Ports.freePort(), dir);
        redis.start();
        client = RedisClient.create(redis.url());
        connection = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        if (connection != null) connection.close();
        if (client != null) client.shutdown();
        if (redis != null) redis.close();
    }

    @Nested
    class InRedis extends Contract {
        @Override
        CancellationCheck check() {
            return CancellationCheck.redis(redis.url());
        }

        @Override
        void markCancelled(String requestId) {
            // As the API writes it (ApiRedisKeys.cancel): the marker JSON under inference:cancel:{id}.
            connection.sync().set("inference:cancel:" + requestId, "{\"request_id\":\"" + requestId + "\"}");
        }

        @Test
        void aRedisOutageFailsTheLookupNotTheOpen() throws Exception {
            CancellationCheck down = CancellationCheck.redis("redis://127.0.0.1:" + Ports.freePort());
            try (CancellationCheck.Lookup lookup = down.open()) {
                assertThatThrownBy(() -> lookup.cancelled(List.of("x"))).isInstanceOf(RuntimeException.class);
            }
        }
    }
}

package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.redis.RedisKeys;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.localstack.LocalRedis;
import dev.streaminfer.localstack.Ports;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Cancel markers in a real Redis, written as the API writes them. */
class RedisCancellationCheckTest extends CancellationCheckContract {

    static LocalRedis redis;
    static RedisClient client;
    static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = new LocalRedis(Ports.freePort(), Files.createTempDirectory("cancel-redis"));
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

    @Override
    CancellationCheck check() {
        return CancellationCheck.redis(redis.url());
    }

    @Override
    void markCancelled(String requestId) {
        // What the API writes on a cancel: the marker JSON under RedisKeys.cancel.
        connection.sync().set(RedisKeys.cancel(requestId), "{\"request_id\":\"" + requestId + "\"}");
    }

    @Test
    void aRedisOutageFailsTheLookupNotTheOpen() {
        CancellationCheck down = CancellationCheck.redis("redis://127.0.0.1:" + Ports.freePort());
        try (CancellationCheck.Lookup lookup = down.open()) {
            assertThatThrownBy(() -> lookup.cancelled(List.of("x"))).isInstanceOf(RuntimeException.class);
        }
    }
}

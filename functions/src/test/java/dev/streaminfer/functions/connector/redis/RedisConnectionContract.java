package dev.streaminfer.functions.connector.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every {@link RedisConnection} does; the fake and the real Lettuce connection both pass it. */
abstract class RedisConnectionContract {

    protected abstract RedisConnection connection();

    protected abstract String valueOf(String key);

    @Test
    void anAcknowledgedWriteIsApplied() throws Exception {
        String key = "contract:" + UUID.randomUUID();
        connection().send(RedisWrite.withoutExpiry(key, "v")).toCompletableFuture().get();
        assertThat(valueOf(key)).isEqualTo("v");
    }

    @Test
    void writesToOneKeyAreAppliedInTheOrderSent() throws Exception {
        String key = "contract:" + UUID.randomUUID();
        for (int i = 0; i < 50; i++) {
            connection().send(RedisWrite.withoutExpiry(key, "v" + i));
        }
        connection().send(RedisWrite.withoutExpiry(key, "last")).toCompletableFuture().get();
        assertThat(valueOf(key)).isEqualTo("last");
    }
}

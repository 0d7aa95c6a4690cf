package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.redis.RedisKeys;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cancel markers in Redis: the API sets {@link RedisKeys#cancel} when a client
 * cancels; a batch asks for all its members with one {@code MGET}. The connection is made on
 * first use and again after a failure, so a Redis outage never fails the operator's start: the
 * lookup throws, and the batch is computed as if nothing were cancelled.
 */
public final class RedisCancellationCheck implements CancellationCheck {

    static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final String redisUri;

    public RedisCancellationCheck(String redisUri) {
        this.redisUri = redisUri;
        RedisURI.create(redisUri); // fail at job build time on a malformed URI
    }

    @Override
    public Lookup open() {
        return new RedisLookup(redisUri);
    }

    private static final class RedisLookup implements Lookup {
        private final RedisClient client;
        private StatefulRedisConnection<String, String> connection;

        RedisLookup(String uri) {
            RedisURI redisUri = RedisURI.create(uri);
            redisUri.setTimeout(TIMEOUT);
            this.client = RedisClient.create(redisUri);
        }

        private synchronized StatefulRedisConnection<String, String> connection() {
            if (connection == null || !connection.isOpen()) {
                connection = client.connect();
                connection.setTimeout(TIMEOUT);
            }
            return connection;
        }

        @Override
        public Set<String> cancelled(Collection<String> requestIds) {
            if (requestIds.isEmpty()) {
                return Set.of();
            }
            String[] keys = requestIds.stream().map(RedisKeys::cancel).toArray(String[]::new);
            List<KeyValue<String, String>> values = connection().sync().mget(keys);
            Set<String> cancelled = new HashSet<>();
            for (KeyValue<String, String> kv : values) {
                if (kv.hasValue()) {
                    RedisKeys.cancelId(kv.getKey()).ifPresent(cancelled::add);
                }
            }
            return cancelled;
        }

        @Override
        public synchronized void close() {
            if (connection != null) {
                connection.close();
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}

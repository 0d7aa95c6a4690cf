package dev.streaminfer.functions.connector.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** A {@link RedisConnection} over one pipelined Lettuce connection. */
public final class LettuceRedisConnection implements RedisConnection {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> commands;

    private LettuceRedisConnection(RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.client = client;
        this.connection = connection;
        this.commands = connection.async();
    }

    /** Connects, retrying with the options' backoff while Redis is not reachable. */
    public static LettuceRedisConnection connect(String redisUri, RedisSinkOptions options) {
        RedisClient client = RedisClient.create(RedisURI.create(redisUri));
        // Reject rather than queue while disconnected: retries with backoff are the writer's to control.
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
                .build());
        RuntimeException last = null;
        Backoff backoff = new Backoff(options);
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            try {
                return new LettuceRedisConnection(client, client.connect(StringCodec.UTF8));
            } catch (RuntimeException e) {
                last = e;
                backoff.sleep();
            }
        }
        client.shutdown();
        throw last;
    }

    @Override
    public CompletionStage<?> send(RedisWrite write) {
        return write.ttlSeconds() > 0
                ? commands.set(write.key(), write.value(), SetArgs.Builder.ex(write.ttlSeconds()))
                : commands.set(write.key(), write.value());
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}

package dev.streaminfer.api.store;

import dev.streaminfer.contract.redis.RedisKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pub/sub subscription to Redis keyspace notifications for result keys. At start it makes
 * sure {@code notify-keyspace-events} includes {@code K} and {@code $} (string commands), merging
 * with what is configured; if CONFIG is not allowed it logs and the waiter's shared poller does
 * the work alone.
 */
public final class KeyspaceEvents implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeyspaceEvents.class);
    private static final String CHANNEL_PREFIX_END = "__:";
    private static final String PATTERN = "__keyspace@*__:" + RedisKeys.resultPattern();

    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final StatefulRedisConnection<String, String> commands;

    public KeyspaceEvents(RedisClient client, StatefulRedisConnection<String, String> commands,
                          Consumer<String> onResultWritten) {
        this.commands = commands;
        enableNotifications(commands);
        this.pubSub = client.connectPubSub();
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String pattern, String channel, String message) {
                int at = channel.indexOf(CHANNEL_PREFIX_END);
                if (at >= 0) {
                    RedisKeys.resultId(channel.substring(at + CHANNEL_PREFIX_END.length())).ifPresent(onResultWritten);
                }
            }
        });
        pubSub.sync().psubscribe(PATTERN);
    }

    /** Re-applies the notification setting (after a Redis restart). */
    public void reenable() {
        enableNotifications(commands);
    }

    static void enableNotifications(StatefulRedisConnection<String, String> commands) {
        try {
            Map<String, String> current = commands.sync().configGet("notify-keyspace-events");
            String flags = current.getOrDefault("notify-keyspace-events", "");
            String merged = mergeFlags(flags);
            if (!merged.equals(flags)) {
                commands.sync().configSet("notify-keyspace-events", merged);
                LOG.info("event=keyspace_notifications_enabled flags={}", merged);
            }
        } catch (RuntimeException e) {
            LOG.warn("event=keyspace_notifications_unavailable reason=\"{}\" fallback=shared_poller", e.getMessage());
        }
    }

    /** Adds K (keyspace channel) and $ (string commands) unless covered ('A' includes '$'). */
    static String mergeFlags(String flags) {
        StringBuilder b = new StringBuilder(flags);
        if (flags.indexOf('K') < 0) {
            b.append('K');
        }
        if (flags.indexOf('$') < 0 && flags.indexOf('A') < 0) {
            b.append('$');
        }
        return b.toString();
    }

    @Override
    public void close() {
        try {
            pubSub.close();
        } catch (RuntimeException ignored) {
            // shutting down
        }
    }
}

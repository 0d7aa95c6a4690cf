package dev.streaminfer.functions.sink.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The record size limit ({@code max.message.bytes}) of topics, as the broker reports it now. */
public final class TopicLimits {

    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";

    private TopicLimits() {}

    /** An admin client that gives up on a silent broker after {@code timeout}. */
    public static Admin admin(String bootstrapServers, Duration timeout) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis()));
    }

    /**
     * @return {@code max.message.bytes} of each topic that exists (topics not created yet are left out)
     * @throws ExecutionException or TimeoutException if the broker does not answer
     */
    public static Map<String, Long> maxMessageBytes(Admin admin, Collection<String> topics, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<ConfigResource, KafkaFuture<Config>> described = admin.describeConfigs(topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).values();
        Map<String, Long> limits = new HashMap<>();
        for (Map.Entry<ConfigResource, KafkaFuture<Config>> entry : described.entrySet()) {
            try {
                ConfigEntry limit = entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(MAX_MESSAGE_BYTES);
                if (limit != null) {
                    limits.put(entry.getKey().name(), Long.parseLong(limit.value()));
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        return limits;
    }
}

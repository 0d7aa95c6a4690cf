package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.jobs.DeliveryLimits;
import dev.streaminfer.localstack.Provisioning;
import dev.streaminfer.localstack.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/**
 * The start-up check against a real broker: a results topic with Kafka's default 1 MiB limit
 * would put the job in a restart loop on the first 256-input result (measured: 1,200,483 bytes).
 */
class TopicLimitsITCase {

    private static final String KAFKA = TestServices.get().endpoints().kafkaBootstrapServers();
    private static final int EIGHT_MIB = 8 * 1024 * 1024;

    private static String topic(Map<String, String> configs) throws Exception {
        String name = "limits-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
        }
        return name;
    }

    @Test
    void aTopicWithKafkasDefaultLimitFailsTheStartNamingTheTopic() throws Exception {
        String small = topic(Map.of());
        assertThatThrownBy(() -> DeliveryLimits.checkTopicLimits(KAFKA, List.of(small), EIGHT_MIB, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(small)
                .hasMessageContaining("max.message.bytes");
    }

    @Test
    void topicsMadeLikeTheLocalStacksPass() throws Exception {
        String large = topic(Map.of("max.message.bytes", Integer.toString(Provisioning.MAX_MESSAGE_BYTES)));
        assertThatCode(() -> DeliveryLimits.checkTopicLimits(KAFKA, List.of(large, "no-such-topic-" + UUID.randomUUID()),
                EIGHT_MIB, Duration.ofSeconds(10))).doesNotThrowAnyException();
    }
}

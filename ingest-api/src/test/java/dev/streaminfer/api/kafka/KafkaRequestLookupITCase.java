package dev.streaminfer.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.localstack.TestServices;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lookup contract over a real broker, written by the real producer. */
class KafkaRequestLookupITCase extends RequestLookupContract {

    private static KafkaRequestPublisher publisher;
    private static KafkaRequestLookup lookup;

    @BeforeAll
    static void connect() {
        String kafka = TestServices.get().endpoints().kafkaBootstrapServers();
        publisher = new KafkaRequestPublisher(kafka, "inference-requests", "quota-updates", Duration.ofSeconds(10),
                (topic, nanos, ok) -> {});
        lookup = new KafkaRequestLookup(kafka, "inference-requests", Duration.ofSeconds(10));
    }

    @AfterAll
    static void close() {
        lookup.close();
        publisher.close();
    }

    @Override
    protected RequestPublisher publisher() {
        return publisher;
    }

    @Override
    protected RequestLookup lookup() {
        return lookup;
    }

    @Test
    void a_window_that_ended_long_before_the_write_is_not_read_to_the_end() throws Exception {
        long at = System.currentTimeMillis();
        String id = "lookup-late-" + java.util.UUID.randomUUID();
        publisher.publishRequest(request(id, "lookup-user", at)).get();

        // Stamped two hours after the window: past the skew allowance, so not looked at.
        long hourAgo = at - Duration.ofHours(2).toMillis();
        assertThat(lookup.find("lookup-user", id, hourAgo - 1_000, hourAgo)).isEqualTo(RequestLookup.Presence.ABSENT);
        assertThat(lookup.find("lookup-user", id, at - 1_000, at + 1_000)).isEqualTo(RequestLookup.Presence.FOUND);
    }
}

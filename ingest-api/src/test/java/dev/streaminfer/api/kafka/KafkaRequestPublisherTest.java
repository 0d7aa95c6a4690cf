package dev.streaminfer.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.junit.jupiter.api.Test;

/** How a failed write is classified: certainly not written, or possibly written. */
class KafkaRequestPublisherTest {

    @Test
    void only_a_refusal_of_the_record_itself_proves_it_is_not_in_the_log() {
        assertThat(KafkaRequestPublisher.mayHaveBeenWritten(new TimeoutException("expired"))).isTrue();
        assertThat(KafkaRequestPublisher.mayHaveBeenWritten(new NetworkException("lost"))).isTrue();
        assertThat(KafkaRequestPublisher.mayHaveBeenWritten(new NotEnoughReplicasAfterAppendException("x"))).isTrue();
        assertThat(KafkaRequestPublisher.mayHaveBeenWritten(new UnknownServerException("x"))).isTrue();

        assertThat(KafkaRequestPublisher.mayHaveBeenWritten(new RecordTooLargeException("x"))).isFalse();
        assertThat(KafkaRequestPublisher.mayHaveBeenWritten(new InvalidRecordException("x"))).isFalse();
        assertThat(KafkaRequestPublisher.mayHaveBeenWritten(new TopicAuthorizationException("x"))).isFalse();
    }

    @Test
    void a_record_that_never_left_the_call_is_certainly_not_written() {
        // Nothing listens on port 1: the producer never gets metadata, so send() gives up in itself.
        try (KafkaRequestPublisher publisher = new KafkaRequestPublisher("127.0.0.1:1", "inference-requests",
                "quota-updates", Duration.ofSeconds(2), (topic, nanos, ok) -> {})) {
            assertThatThrownBy(() -> publisher.publishRequest(
                    RequestLookupContract.request("never", "u", System.currentTimeMillis())).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(RequestPublisher.PublishFailedException.class,
                            e -> assertThat(e.mayHaveBeenWritten()).isFalse());
        }
    }
}

package dev.streaminfer.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class TestingPublisherTest extends RequestLookupContract {

    private final TestingPublisher publisher = new TestingPublisher();

    @Override
    protected RequestPublisher publisher() {
        return publisher;
    }

    @Override
    protected RequestLookup lookup() {
        return publisher;
    }

    @Test
    void modes_decide_what_is_written_and_what_the_writer_is_told() {
        publisher.mode = TestingPublisher.Mode.TIMEOUT_WRITTEN;
        assertThatThrownBy(() -> publisher.publishRequest(request("w", "u", 1)).get())
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(RequestPublisher.PublishFailedException.class,
                        e -> assertThat(e.mayHaveBeenWritten()).isTrue());
        publisher.mode = TestingPublisher.Mode.TIMEOUT_LOST;
        assertThatThrownBy(() -> publisher.publishRequest(request("l", "u", 1)).get())
                .cause().isInstanceOfSatisfying(RequestPublisher.PublishFailedException.class,
                        e -> assertThat(e.mayHaveBeenWritten()).isTrue());
        publisher.mode = TestingPublisher.Mode.ACK;
        publisher.failing = true;
        assertThatThrownBy(() -> publisher.publishRequest(request("r", "u", 1)).get())
                .cause().isInstanceOfSatisfying(RequestPublisher.PublishFailedException.class,
                        e -> assertThat(e.mayHaveBeenWritten()).isFalse());

        assertThat(publisher.recordsOf("w")).isOne();
        assertThat(publisher.recordsOf("l")).isZero();
        assertThat(publisher.recordsOf("r")).isZero();
        publisher.lookupDown = true;
        assertThat(publisher.find("u", "w", 0, 2)).isEqualTo(RequestLookup.Presence.UNKNOWN);
    }
}

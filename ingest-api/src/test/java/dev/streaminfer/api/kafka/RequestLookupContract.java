package dev.streaminfer.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import dev.streaminfer.contract.model.CancelMarker;

import dev.streaminfer.api.kafka.RequestLookup.Presence;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RequestLookup} must say about what a {@link RequestPublisher} wrote; run
 * against the fake ({@code TestingPublisherTest}) and against real Kafka
 * ({@code KafkaRequestLookupITCase}), so the fake cannot drift.
 */
public abstract class RequestLookupContract {

    protected abstract RequestPublisher publisher();

    protected abstract RequestLookup lookup();

    private static final long WINDOW = Duration.ofMinutes(1).toMillis();

    private static String id() {
        return "lookup-" + UUID.randomUUID();
    }

    /** A request as the API writes it. */
    public static InferenceRequest request(String requestId, String userId, long at) {
        return new InferenceRequest(requestId, userId, "all-minilm-l6-v2-q", new String[] {"look me up"},
                Priority.NORMAL, at + 60_000, at, 0, null);
    }

    private Presence find(String userId, String requestId, long at) {
        return lookup().find(userId, requestId, at - WINDOW, at + WINDOW);
    }

    private void write(InferenceRequest request) throws Exception {
        publisher().publishRequest(request).get(20, TimeUnit.SECONDS);
    }

    @Test
    void a_written_request_is_found() throws Exception {
        String id = id();
        long at = System.currentTimeMillis();
        write(request(id(), "lookup-user", at)); // a neighbour
        write(request(id, "lookup-user", at));
        write(request(id(), "lookup-user", at));

        assertThat(find("lookup-user", id, at)).isEqualTo(Presence.FOUND);
    }

    @Test
    void an_id_never_written_is_absent() throws Exception {
        long at = System.currentTimeMillis();
        write(request(id(), "lookup-user", at));

        assertThat(find("lookup-user", id(), at)).isEqualTo(Presence.ABSENT);
    }

    @Test
    void a_cancel_record_with_the_id_is_not_the_request() throws Exception {
        String id = id();
        long at = System.currentTimeMillis();
        publisher().publishCancel(new CancelMarker(id, "lookup-user", at)).get(20, TimeUnit.SECONDS);

        assertThat(find("lookup-user", id, at)).isEqualTo(Presence.ABSENT);
    }

    @Test
    void another_users_request_is_not_found_for_this_user() throws Exception {
        String id = id();
        long at = System.currentTimeMillis();
        write(request(id, "lookup-other-user", at));

        assertThat(find("lookup-user", id, at)).isEqualTo(Presence.ABSENT);
        assertThat(find("lookup-other-user", id, at)).isEqualTo(Presence.FOUND);
    }
}

package dev.streaminfer.api.service;

import dev.streaminfer.contract.concurrent.Futures;
import static dev.streaminfer.api.service.ServiceFixtures.ALICE;
import static dev.streaminfer.api.service.ServiceFixtures.embed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.Json;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StatusStream} and {@link RequestEvents} over the hand-written store fake, with the real
 * {@link ResultWaiter} and {@link RequestService}: what a stream sends, and when it ends.
 */
class RequestEventsTest {

    private final ServiceFixtures f = new ServiceFixtures();
    private final RequestService requests = f.requests();
    private final ResultWaiter waiter = new ResultWaiter(f.store, Duration.ofMillis(20));
    private final RequestEvents events = new RequestEvents(requests::status, waiter, Duration.ofMillis(20),
            Duration.ofMillis(50), Duration.ofSeconds(5));

    /** A client: the events it got, whether the stream ended, and whether it is still there. */
    static final class Client implements StatusStream.Sink {
        final List<String> statuses = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicBoolean gone = new AtomicBoolean();
        volatile int comments;

        @Override
        public boolean send(String event, String data) {
            assertThat(event).isEqualTo(StatusStream.EVENT);
            try {
                JsonNode doc = Json.mapper().readTree(data);
                statuses.add(doc.path("status").asText());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return !gone.get();
        }

        @Override
        public boolean comment(String text) {
            comments++;
            return !gone.get();
        }

        @Override
        public void close() {
            closed.countDown();
        }

        boolean awaitClosed() throws InterruptedException {
            return closed.await(5, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void close() {
        events.close();
        waiter.close();
    }

    private String accepted() {
        return Futures.join(f.inference().submit(ALICE, embed("x"), null, null)).requestId();
    }

    private Client follow(String id) {
        Client client = new Client();
        events.follow(ALICE, id, requests.status(ALICE, id).orElseThrow(), new StatusStream(client));
        return client;
    }

    @Test
    void aFinalRequestGetsItsStateOnceAndTheStreamEnds() throws Exception {
        String id = accepted();
        f.jobWrites(id, "alice", RequestStatus.COMPLETED);

        Client client = follow(id);
        assertThat(client.awaitClosed()).isTrue();
        assertThat(client.statuses).containsExactly("completed");
    }

    @Test
    void queuedThenFinalThenTheEnd() throws Exception {
        String id = accepted();
        Client client = follow(id);
        Thread.sleep(100); // several re-reads: no change, no event
        assertThat(client.statuses).containsExactly("queued");
        assertThat(client.closed.getCount()).isEqualTo(1);

        f.jobWrites(id, "alice", RequestStatus.FAILED);
        assertThat(client.awaitClosed()).isTrue();
        assertThat(client.statuses).containsExactly("queued", "failed");
    }

    @Test
    void aCancelIsAChangeButOnlyTheJobsDocumentEndsTheStream() throws Exception {
        String id = accepted();
        Client client = follow(id);
        requests.cancel(ALICE, id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (client.statuses.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(client.statuses).containsExactly("queued", "cancel_requested");
        assertThat(client.closed.getCount()).as("still open until the job decides").isEqualTo(1);

        f.jobWrites(id, "alice", RequestStatus.COMPLETED); // the job won the race
        assertThat(client.awaitClosed()).isTrue();
        assertThat(client.statuses).containsExactly("queued", "cancel_requested", "completed");
    }

    @Test
    void aClientThatWentAwayIsFoundByTheKeepAliveAndItsStreamEnds() throws Exception {
        String id = accepted();
        Client client = follow(id);
        client.gone.set(true);
        assertThat(client.awaitClosed()).isTrue();
        assertThat(client.comments).isPositive();
        assertThat(waiter.waiting()).as("its wait let go").isZero();
    }

    @Test
    void closingEndsEveryStream() throws Exception {
        Client client = follow(accepted());
        events.close();
        assertThat(client.awaitClosed()).isTrue();
    }

    @Test
    void nothingIsSentTwiceNorAfterTheEnd() {
        Client client = new Client();
        StatusStream stream = new StatusStream(client);
        var queued = Json.mapper().createObjectNode().put("status", "queued");
        assertThat(stream.offer(queued)).isTrue();
        assertThat(stream.offer(queued)).isTrue();
        stream.finish(Json.mapper().createObjectNode().put("status", "expired"));
        assertThat(stream.offer(queued)).isFalse();
        stream.finish(Json.mapper().createObjectNode().put("status", "completed"));
        assertThat(client.statuses).containsExactly("queued", "expired");
        assertThat(client.closed.getCount()).isZero();
    }
}

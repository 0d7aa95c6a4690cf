package dev.streaminfer.api.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.api.store.TestingRequestStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ResultWaiterTest {

    private static final String DONE = "{\"request_id\":\"r1\",\"status\":\"completed\"}";

    private final TestingRequestStore store = new TestingRequestStore();

    @Test
    void completes_on_the_write_event_without_waiting_for_the_poller() throws Exception {
        try (ResultWaiter waiter = new ResultWaiter(store, Duration.ofHours(1))) {
            CompletableFuture<Optional<String>> f = waiter.await("r1", Duration.ofSeconds(10));
            Thread.sleep(50);
            assertThat(f).isNotDone();
            assertThat(waiter.waiting()).isEqualTo(1);

            store.putResult("r1", DONE);
            waiter.onResultWritten("r1");

            assertThat(f.get(2, TimeUnit.SECONDS)).contains(DONE);
            assertThat(waiter.waiting()).isZero();
        }
    }

    @Test
    void queued_documents_do_not_complete_a_wait() throws Exception {
        try (ResultWaiter waiter = new ResultWaiter(store, Duration.ofMillis(20))) {
            store.putResult("r1", "{\"status\":\"queued\"}");
            CompletableFuture<Optional<String>> f = waiter.await("r1", Duration.ofMillis(300));
            waiter.onResultWritten("r1");
            assertThat(f.get(2, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void a_result_written_before_the_wait_began_is_found_at_once() throws Exception {
        store.putResult("r1", DONE);
        try (ResultWaiter waiter = new ResultWaiter(store, Duration.ofHours(1))) {
            assertThat(waiter.await("r1", Duration.ofSeconds(10)).get(2, TimeUnit.SECONDS)).contains(DONE);
        }
    }

    @Test
    void the_shared_poller_catches_a_missed_event() throws Exception {
        try (ResultWaiter waiter = new ResultWaiter(store, Duration.ofMillis(50))) {
            CompletableFuture<Optional<String>> a = waiter.await("r1", Duration.ofSeconds(10));
            CompletableFuture<Optional<String>> b = waiter.await("r1", Duration.ofSeconds(10));
            store.putResult("r1", DONE); // no event
            assertThat(a.get(2, TimeUnit.SECONDS)).contains(DONE);
            assertThat(b.get(2, TimeUnit.SECONDS)).contains(DONE);
        }
    }

    @Test
    void runs_out_empty_and_close_releases_everyone() throws Exception {
        ResultWaiter waiter = new ResultWaiter(store, Duration.ofHours(1));
        long t0 = System.nanoTime();
        assertThat(waiter.await("r1", Duration.ofMillis(100)).get(2, TimeUnit.SECONDS)).isEmpty();
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(95);

        CompletableFuture<Optional<String>> pending = waiter.await("r2", Duration.ofMinutes(1));
        waiter.close();
        assertThat(pending.get(1, TimeUnit.SECONDS)).isEmpty();
    }
}

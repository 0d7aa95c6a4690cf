package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** close(): waiting clients get their 202, in-flight work finishes, then the port closes. */
class GracefulShutdownITCase {

    @Test
    void close_answers_waiting_clients_and_stops_listening() throws Exception {
        SharedApi.seed(SharedApi.endpoints());
        IngestApi api = IngestApi.start(SharedApi.config(SharedApi.endpoints())
                .shutdownTimeout(Duration.ofSeconds(5)).build());
        int port = api.port();
        TestHttp http = new TestHttp(port);
        CompletableFuture<TestHttp.Response> waiting = CompletableFuture.supplyAsync(() ->
                http.post("/v1/inference?wait_ms=30000", SharedApi.ALICE, "{\"inputs\":[\"shutting down\"]}"));
        Thread.sleep(500);
        assertThat(waiting).isNotDone();

        long t0 = System.nanoTime();
        api.close();
        long closeMs = (System.nanoTime() - t0) / 1_000_000;

        TestHttp.Response r = waiting.get(5, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.json().path("request_id").asText()).isNotBlank();
        assertThat(closeMs).isLessThan(5_000);
        assertThat(listening(port)).isFalse();
        api.close(); // idempotent
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/requests/{id}/events} over HTTP, read line by line as an SSE client reads it,
 * with the test playing the job (it writes the result document as the job does). Against the
 * real job: {@code RequestEventsITCase} in integration-tests.
 */
class RequestEventsITCase {

    private final TestHttp http = SharedApi.http();
    private final HttpClient client = HttpClient.newHttpClient();

    private String accepted(String key) {
        return http.post("/v1/inference", key, "{\"inputs\":[\"events\"]}").json().path("request_id").asText();
    }

    private HttpResponse<Stream<String>> open(String id, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + SharedApi.get().port()
                + "/v1/requests/" + id + "/events")).header("Accept", "text/event-stream");
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return client.send(b.GET().build(), HttpResponse.BodyHandlers.ofLines());
    }

    /** The next {@code status} event's document, or null when the stream ended. */
    private static JsonNode next(Iterator<String> lines) throws Exception {
        String event = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:") && "status".equals(event)) {
                return Json.mapper().readTree(line.substring(5).trim());
            }
        }
        return null;
    }

    @Test
    void aQueuedRequestStreamsItsStatusUntilTheFinalOneThenTheStreamEnds() throws Exception {
        String id = accepted(SharedApi.ALICE);
        HttpResponse<Stream<String>> response = open(id, SharedApi.ALICE);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        Iterator<String> lines = response.body().iterator();

        JsonNode first = next(lines);
        assertThat(first.path("status").asText()).isEqualTo("queued");
        assertThat(first.path("request_id").asText()).isEqualTo(id);

        SubmitAndStatusITCase.writeResultWith(id, "it-alice", RequestStatus.FAILED);
        CompletableFuture<List<JsonNode>> rest = CompletableFuture.supplyAsync(() -> {
            List<JsonNode> docs = new ArrayList<>();
            try {
                for (JsonNode doc = next(lines); doc != null; doc = next(lines)) {
                    docs.add(doc);
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return docs;
        });
        List<JsonNode> after = rest.get(10, TimeUnit.SECONDS); // returns only because the stream ended
        assertThat(after).extracting(d -> d.path("status").asText()).containsExactly("failed");
        assertThat(after.get(0).at("/error/code").asText()).isEqualTo("inference_failed");
    }

    @Test
    void aFinalStateReachedBeforeTheClientConnectedIsSentAndTheStreamEnds() throws Exception {
        String id = accepted(SharedApi.ALICE);
        SubmitAndStatusITCase.writeResult(id, "it-alice", RequestStatus.COMPLETED);

        TestHttp.Response r = CompletableFuture.supplyAsync(() -> http.get("/v1/requests/" + id + "/events",
                SharedApi.ALICE)).get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        List<String> data = r.body().lines().filter(l -> l.startsWith("data:")).toList();
        assertThat(data).hasSize(1);
        assertThat(Json.mapper().readTree(data.get(0).substring(5).trim()).path("status").asText())
                .isEqualTo("completed");
    }

    @Test
    void anotherUsersRequestIsNotFoundAndNoKeyIsUnauthorizedAsPlainJson() throws Exception {
        String id = accepted(SharedApi.ALICE);
        TestHttp.Response bob = http.get("/v1/requests/" + id + "/events", SharedApi.BOB);
        assertThat(bob.status()).isEqualTo(404);
        assertThat(bob.errorCode()).isEqualTo("not_found");
        assertThat(bob.header("Content-Type")).startsWith("application/json");

        TestHttp.Response unknown = http.get("/v1/requests/no-such-id/events", SharedApi.ALICE);
        assertThat(unknown.status()).isEqualTo(404);

        TestHttp.Response anonymous = http.get("/v1/requests/" + id + "/events", null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.errorCode()).isEqualTo("unauthorized");
    }

    @Test
    void aClientThatDisconnectsLeavesTheServerServing() throws Exception {
        String id = accepted(SharedApi.ALICE);
        HttpResponse<Stream<String>> response = open(id, SharedApi.ALICE);
        Iterator<String> lines = response.body().iterator();
        assertThat(next(lines).path("status").asText()).isEqualTo("queued");
        response.body().close(); // the client goes away mid-stream

        SubmitAndStatusITCase.writeResultWith(id, "it-alice", RequestStatus.FAILED);
        assertThat(http.get("/v1/requests/" + id, SharedApi.ALICE).json().path("status").asText()).isEqualTo("failed");
    }
}

package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/requests/{id}/events} against the running pipeline (the job on the MiniCluster
 * computes the request), read by {@link HttpClient} line by line as an SSE client does.
 */
class RequestEventsITCase extends PipelineITCaseBase {

    private static PipelineFixture fixture;
    private static int port;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        fixture = new PipelineFixture();
        fixture.startJob();
        port = fixture.startApi().port();
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    /** Every {@code status} event's document until the server ends the stream (bounded by {@code max}). */
    private List<JsonNode> readToTheEnd(String requestId, Duration max) throws Exception {
        HttpResponse<Stream<String>> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/requests/" + requestId + "/events"))
                .header("Authorization", "Bearer " + fixture.apiKey).header("Accept", "text/event-stream")
                .GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        CompletableFuture<List<JsonNode>> events = CompletableFuture.supplyAsync(() -> {
            List<JsonNode> docs = new ArrayList<>();
            String[] event = {null};
            response.body().forEach(line -> {
                if (line.startsWith("event:")) {
                    event[0] = line.substring(6).trim();
                } else if (line.startsWith("data:") && "status".equals(event[0])) {
                    try {
                        docs.add(fixture.json(line.substring(5).trim()));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            });
            return docs;
        });
        return events.get(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void aRequestStreamsUntilTheJobCompletesItThenTheStreamEnds() throws Exception {
        HttpResponse<String> accepted = fixture.post("/v1/inference", "{\"inputs\":[\"stream me\",\"and me\"]}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = fixture.json(accepted.body()).path("request_id").asText();

        List<JsonNode> events = readToTheEnd(id, Duration.ofSeconds(120));
        List<String> statuses = events.stream().map(e -> e.path("status").asText()).toList();
        // queued first unless the job was faster than the client's connect; never a repeat
        assertThat(statuses).isIn(List.of("queued", "completed"), List.of("completed"));
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("request_id").asText()).isEqualTo(id);
        assertThat(last.at("/result/embeddings").size()).isEqualTo(2);
        assertThat(last.at("/usage/charged_tokens").asLong()).isEqualTo(ReferenceTokens.count(List.of("stream me", "and me")));
        assertThat(last).isEqualTo(fixture.json(fixture.get("/v1/requests/" + id).body()));

        // after the end: one event, the final state, and the stream ends again
        assertThat(readToTheEnd(id, Duration.ofSeconds(10))).containsExactly(last);
    }

    @Test
    void anotherUsersRequestIsNotFound() throws Exception {
        HttpResponse<String> accepted = fixture.post("/v1/inference", "{\"inputs\":[\"mine\"]}");
        String id = fixture.json(accepted.body()).path("request_id").asText();
        HttpResponse<String> asAdmin = client.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/requests/" + id + "/events"))
                .header("Authorization", "Bearer " + fixture.adminKey).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(asAdmin.statusCode()).as("even an admin sees only their own requests here").isEqualTo(404);
    }
}

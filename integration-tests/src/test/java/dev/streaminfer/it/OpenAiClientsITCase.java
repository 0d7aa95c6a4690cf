package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.Embedding;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.functions.inference.SessionSettings;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients no one here wrote, the official OpenAI Java SDK and langchain4j's
 * {@code OpenAiEmbeddingModel}, pointed at {@code POST /v1/embeddings} of the running API, with
 * the real job on the MiniCluster computing the vectors. Expected vectors are the model's own
 * output for each text alone ({@link EmbeddingModel} loaded here, outside the pipeline), expected
 * token counts come from {@link ReferenceTokens}.
 */
class OpenAiClientsITCase extends PipelineITCaseBase {

    private static final String MODEL = ModelRegistry.DEFAULT_MODEL;
    private static final List<String> TEXTS = List.of(
            "Flink keeps state exactly once.",
            "Kafka is a log.",
            "Ünïcödé — 東京, and a longer sentence about micro-batches and padding.");

    private static PipelineFixture fixture;
    private static EmbeddingModel reference;
    private static String baseUrl;

    @BeforeAll
    static void start() throws Exception {
        fixture = new PipelineFixture();
        fixture.startJob();
        baseUrl = "http://localhost:" + fixture.startApi().port() + "/v1";
        reference = EmbeddingModel.load(ModelRegistry.ALL_MINILM_L6_V2_Q, SessionSettings.defaults());
        // The first request loads the model in the job: wait for it here, not inside a client's timeout.
        HttpResponse<String> warmUp = fixture.post("/v1/inference", "{\"inputs\":[\"warm up\"]}");
        assertThat(warmUp.statusCode()).as(warmUp.body()).isEqualTo(202);
        fixture.awaitFinal(fixture.json(warmUp.body()).path("request_id").asText(), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        if (reference != null) reference.close();
        fixture.close();
    }

    private static OpenAIClient openAi(String apiKey) {
        return OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(apiKey)
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    private static OpenAiEmbeddingModel langchain4j(String apiKey, String model) {
        return OpenAiEmbeddingModel.builder().baseUrl(baseUrl).apiKey(apiKey).modelName(model)
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    /** Asserts {@code actual} is the model's output for {@code text} alone, component by component. */
    private static void assertModelOutput(String text, List<Float> actual) {
        float[] expected = reference.embed(List.of(text))[0];
        assertThat(actual).as("dimensions of '%s'", text).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual.get(i)).as("component %d of '%s'", i, text)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(EmbeddingModel.INVARIANCE_TOLERANCE));
        }
    }

    @Test
    void openAiSdkGetsTheModelsVectorsInInputOrderWithTheTokenCount() throws Exception {
        OpenAIClient client = openAi(fixture.apiKey);
        HttpResponseFor<CreateEmbeddingResponse> raw = client.embeddings().withRawResponse().create(
                EmbeddingCreateParams.builder().model(MODEL).inputOfArrayOfStrings(TEXTS)
                        .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
        assertThat(raw.statusCode()).isEqualTo(200);
        CreateEmbeddingResponse response = raw.parse();

        assertThat(response.model()).isEqualTo(MODEL);
        assertThat(response.data()).hasSize(TEXTS.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            Embedding embedding = response.data().get(i);
            assertThat(embedding.index()).isEqualTo(i);
            assertThat(embedding.embeddingValue().isFloats()).as("float on the wire").isTrue();
            assertModelOutput(TEXTS.get(i), embedding.embedding());
        }
        long tokens = ReferenceTokens.count(TEXTS);
        assertThat(response.usage().promptTokens()).isEqualTo(tokens);
        assertThat(response.usage().totalTokens()).isEqualTo(tokens);

        // recorded like any other request: its row in PostgreSQL, charged what the usage says
        String requestId = raw.headers().values("X-Request-Id").get(0);
        PipelineFixture.Row row = fixture.awaitResultRow(requestId, Duration.ofSeconds(30));
        assertThat(row.status()).isEqualTo("completed");
        assertThat(row.userId()).isEqualTo(fixture.userId);
        assertThat((long) row.chargedTokens()).isEqualTo(tokens);
        client.close();
    }

    @Test
    void openAiSdkDecodesBase64VectorsAndTakesASingleString() {
        OpenAIClient client = openAi(fixture.apiKey);
        String text = TEXTS.get(2);
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder().model(MODEL)
                .input(text).encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        assertThat(response.data()).hasSize(1);
        Embedding embedding = response.data().get(0);
        assertThat(embedding.embeddingValue().isBase64()).as("base64 on the wire").isTrue();
        assertModelOutput(text, embedding.embedding());
        assertThat(response.usage().promptTokens()).isEqualTo(ReferenceTokens.count(List.of(text)));
        client.close();
    }

    @Test
    void openAiSdkSeesUnknownModelAsNotFoundAndABadKeyAsUnauthorized() {
        OpenAIClient client = openAi(fixture.apiKey);
        assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("hi").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.code()).contains("unknown_model");
                    assertThat(e.param()).contains("model");
                    assertThat(e.type()).contains("invalid_request_error");
                });
        client.close();

        OpenAIClient stranger = openAi("not-a-key-" + fixture.suffix);
        assertThatThrownBy(() -> stranger.embeddings().create(EmbeddingCreateParams.builder()
                .model(MODEL).input("hi").build()))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.type()).contains("authentication_error");
                });
        stranger.close();
    }

    @Test
    void langchain4jGetsTheModelsVectorsAndTheTokenCount() {
        OpenAiEmbeddingModel model = langchain4j(fixture.apiKey, MODEL);
        Response<List<dev.langchain4j.data.embedding.Embedding>> response =
                model.embedAll(TEXTS.stream().map(TextSegment::from).toList());
        assertThat(response.content()).hasSize(TEXTS.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            assertModelOutput(TEXTS.get(i), response.content().get(i).vectorAsList());
        }
        assertThat((long) response.tokenUsage().inputTokenCount()).isEqualTo(ReferenceTokens.count(TEXTS));

        assertModelOutput(TEXTS.get(0), model.embed(TEXTS.get(0)).content().vectorAsList());
    }

    @Test
    void langchain4jSeesUnknownModelAndBadKeyAsItsOwnExceptions() {
        assertThatThrownBy(() -> langchain4j(fixture.apiKey, "text-embedding-3-small").embed("hi"))
                .isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> langchain4j("not-a-key-" + fixture.suffix, MODEL).embed("hi"))
                .isInstanceOf(AuthenticationException.class);
    }
}

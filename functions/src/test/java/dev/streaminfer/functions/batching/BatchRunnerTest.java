package dev.streaminfer.functions.batching;

import static dev.streaminfer.functions.batching.Requests.T0;
import static dev.streaminfer.functions.batching.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.ModelUnavailableException;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BatchRunnerTest {

    /** Served row by row (dynamically quantized): one model call per text. */
    private static final String ROW_WISE = ModelRegistry.ALL_MINILM_L6_V2_Q.name();
    /** Served batched (float32): texts share calls, length-aware. */
    private static final String BATCHED = ModelRegistry.ALL_MINILM_L6_V2.name();

    private static final BatchingSettings SETTINGS = BatchingSettings.defaults()
            .withBatchLimits(4, 1_000, Duration.ofMillis(10))
            .withRetry(new RetryPolicy(3, 100, 5_000));

    private final TestingEmbedder embedder = new TestingEmbedder();
    private final List<Long> sleeps = new ArrayList<>();
    private final List<String> retries = new ArrayList<>();

    private final BatchRunner runner = new BatchRunner(ModelRegistry.bundled(), SETTINGS, embedder,
            () -> T0, sleeps::add, new BatchRunner.Listener() {
                @Override
                public void retried(String model) {
                    retries.add(model);
                }
            });

    @Test
    void eachRequestGetsTheVectorsOfItsOwnTexts() throws Exception {
        List<InferenceResult> results = runner.run(batch(
                request("a").model(BATCHED).inputs("x", "y").tokens(7).build(),
                request("b").model(BATCHED).inputs("z").tokens(3).build()));

        Map<String, InferenceResult> byId = byId(results);
        assertThat(byId.get("a").status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(byId.get("a").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("x"), TestingEmbedder.vector("y")});
        assertThat(byId.get("a").chargedTokens()).isEqualTo(7);
        assertThat(byId.get("b").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("z")});
        assertThat(embedder.calls).containsExactly(List.of("x", "y", "z"));
    }

    @Test
    void aRowWiseModelGetsOneCallPerTextInOrderWhateverTheBudget() throws Exception {
        for (int budget : new int[] {0, 50, 1_000_000}) {
            embedder.calls.clear();
            List<InferenceResult> results = runnerWithBudget(budget).run(batch(
                    request("a").model(ROW_WISE).inputs("x", "y").tokens(7).build(),
                    request("long").model(ROW_WISE).inputs("l").tokens(200).build(),
                    request("b").model(ROW_WISE).inputs("z").tokens(3).build()));

            assertThat(embedder.calls).as("budget %d", budget)
                    .containsExactly(List.of("x"), List.of("y"), List.of("l"), List.of("z"));
            Map<String, InferenceResult> byId = byId(results);
            assertThat(byId.get("a").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("x"), TestingEmbedder.vector("y")});
            assertThat(byId.get("long").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("l")});
            assertThat(byId.get("b").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("z")});
        }
    }

    @Test
    void everyQuantizedModelIsServedRowWiseAndEveryFloat32ModelBatched() throws Exception {
        for (ModelSpec spec : ModelRegistry.bundled().all()) {
            embedder.calls.clear();
            runner.run(batch(request("a").model(spec.name()).inputs("x", "y").build()));

            assertThat(embedder.calls).as(spec.name()).isEqualTo(spec.name().endsWith("-q")
                    ? List.of(List.of("x"), List.of("y"))
                    : List.of(List.of("x", "y")));
        }
    }

    @Test
    void aRowWiseBadInputStillFailsAloneAfterRetriesAndSplitting() throws Exception {
        embedder.poison = "poison";

        Map<String, InferenceResult> byId = byId(runner.run(batch(
                request("a").model(ROW_WISE).inputs("a1", "a2").build(),
                request("bad").model(ROW_WISE).inputs("b1", "poison").build(),
                request("c").model(ROW_WISE).inputs("c1").build())));

        assertThat(byId.get("bad").status()).isEqualTo(RequestStatus.FAILED);
        assertThat(byId.get("a").status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(byId.get("c").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("c1")});
    }

    @Test
    void expiredRequestsAreNotComputed() throws Exception {
        List<InferenceResult> results = runner.run(batch(
                request("late").inputs("l").deadline(T0 - 1).build(),
                request("fine").inputs("f").build()));

        Map<String, InferenceResult> byId = byId(results);
        assertThat(byId.get("late").status()).isEqualTo(RequestStatus.EXPIRED);
        assertThat(byId.get("late").errorCode()).isEqualTo("deadline_exceeded");
        assertThat(byId.get("late").chargedTokens()).isZero();
        assertThat(byId.get("fine").status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(embedder.calls).containsExactly(List.of("f"));
    }

    @Test
    void aTransientFailureIsRetriedWithBackoff() throws Exception {
        embedder.failNextCalls = 2;

        List<InferenceResult> results = runner.run(batch(request("a").inputs("a").build(), request("b").inputs("b").build()));

        assertThat(results).extracting(InferenceResult::status).containsOnly(RequestStatus.COMPLETED);
        assertThat(sleeps).containsExactly(100L, 200L);
        assertThat(retries).hasSize(2);
    }

    @Test
    void aBadInputIsIsolatedBySplittingAndFailsAlone() throws Exception {
        embedder.poison = "poison";
        List<InferenceRequest> members = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            members.add(request("r" + i).inputs(i == 5 ? "poison" : "t" + i).build());
        }

        Map<String, InferenceResult> byId = byId(runner.run(batch(members.toArray(InferenceRequest[]::new))));

        assertThat(byId).hasSize(7);
        assertThat(byId.get("r5").status()).isEqualTo(RequestStatus.FAILED);
        assertThat(byId.get("r5").errorCode()).isEqualTo("inference_failed");
        assertThat(byId.get("r5").chargedTokens()).isZero();
        assertThat(byId.values().stream().filter(r -> r.status() == RequestStatus.COMPLETED)).hasSize(6);
        assertThat(byId.get("r0").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("t0")});
    }

    @Test
    void anUnloadableModelFailsItsRequestsAfterRetriesWithoutSplitting() throws Exception {
        embedder.unavailable = true;

        List<InferenceResult> results = runner.run(batch(request("a").inputs("a").build(), request("b").inputs("b").build()));

        assertThat(results).extracting(InferenceResult::status).containsOnly(RequestStatus.FAILED);
        assertThat(embedder.attempts).isEqualTo(3);
    }

    @Test
    void aRequestWithMoreTextsThanTheLimitRunsInChunks() throws Exception {
        List<InferenceResult> results = runner.run(batch(request("big").model(BATCHED).inputs("1", "2", "3", "4", "5", "6").build()));

        assertThat(results.get(0).embeddings()).hasNumberOfRows(6);
        assertThat(results.get(0).embeddings()[5]).containsExactly(TestingEmbedder.vector("6"));
        assertThat(embedder.calls).containsExactly(List.of("1", "2", "3", "4"), List.of("5", "6"));
    }

    @Test
    void aBatchPaddedBeyondTheBudgetRunsAsSubBatchesOfSimilarLengthAndResultsKeepTheirOrder() throws Exception {
        BatchRunner lengthAware = runnerWithBudget(400);
        List<InferenceResult> results = lengthAware.run(batch(
                request("short-1").model(BATCHED).inputs("s1").tokens(10).build(),
                request("long").model(BATCHED).inputs("l").tokens(200).build(),
                request("short-2").model(BATCHED).inputs("s2").tokens(12).build(),
                request("short-3").model(BATCHED).inputs("s3").tokens(11).build()));

        // one call would be 4 × 200 = 800 padded tokens; sorted: 3 × 12 = 36, then 1 × 200
        assertThat(embedder.calls).containsExactly(List.of("s1", "s3", "s2"), List.of("l"));
        assertThat(results).extracting(InferenceResult::requestId).containsExactly("short-1", "long", "short-2", "short-3");
        Map<String, InferenceResult> byId = byId(results);
        assertThat(byId.get("long").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("l")});
        assertThat(byId.get("short-2").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("s2")});
    }

    @Test
    void theTextsOfOneRequestGoBackToItInOrderAfterSorting() throws Exception {
        BatchRunner lengthAware = runnerWithBudget(100);
        String longText = "x".repeat(400);
        List<InferenceResult> results = lengthAware.run(batch(
                request("mixed").model(BATCHED).inputs(longText, "a", "bb").tokens(110).build(),
                request("other").model(BATCHED).inputs("c").tokens(3).build()));

        assertThat(embedder.calls).hasSize(2);
        assertThat(byId(results).get("mixed").embeddings()).isDeepEqualTo(new float[][] {
                TestingEmbedder.vector(longText), TestingEmbedder.vector("a"), TestingEmbedder.vector("bb")});
        assertThat(byId(results).get("other").embeddings()).isDeepEqualTo(new float[][] {TestingEmbedder.vector("c")});
    }

    @Test
    void withoutABudgetABatchRunsAsOneCallPaddedToItsLongest() throws Exception {
        BatchRunner oneCall = runnerWithBudget(0);
        oneCall.run(batch(
                request("short").model(BATCHED).inputs("s").tokens(5).build(),
                request("long").model(BATCHED).inputs("l").tokens(250).build()));

        assertThat(embedder.calls).containsExactly(List.of("s", "l"));
    }

    @Test
    void textTokensAreTheCountedTokensOrAShareOfThemByLength() {
        List<InferenceRequest> requests = List.of(
                request("one").inputs("whatever").tokens(17).build(),
                request("two").inputs("aaa", "a").tokens(40).build(),
                request("uncounted").inputs("x".repeat(40)).tokens(0).build());

        assertThat(BatchRunner.textTokens(requests, 4)).containsExactly(17, 30, 10, 12);
    }

    @Test
    void aFailingSubBatchIsRetriedAsAWholeBatch() throws Exception {
        BatchRunner lengthAware = runnerWithBudget(50);
        embedder.failNextCalls = 1;

        List<InferenceResult> results = lengthAware.run(batch(
                request("a").model(BATCHED).inputs("a").tokens(5).build(),
                request("b").model(BATCHED).inputs("b").tokens(45).build()));

        assertThat(results).extracting(InferenceResult::status).containsOnly(RequestStatus.COMPLETED);
        assertThat(retries).hasSize(1);
    }

    private BatchRunner runnerWithBudget(int paddedTokenBudget) {
        return new BatchRunner(ModelRegistry.bundled(), SETTINGS, embedder, () -> T0,
                sleeps::add, new BatchRunner.Listener() {
                    @Override
                    public void retried(String model) {
                        retries.add(model);
                    }
                }, paddedTokenBudget);
    }

    @Test
    void anUnknownModelFailsItsRequests() throws Exception {
        List<InferenceResult> results = runner.run(new InferenceBatch("b", "nope",
                new InferenceRequest[] {request("a").model("nope").build()}, T0, T0));

        assertThat(results).extracting(InferenceResult::status).containsExactly(RequestStatus.FAILED);
        assertThat(embedder.calls).isEmpty();
    }

    private static InferenceBatch batch(InferenceRequest... requests) {
        return new InferenceBatch("batch", requests[0].model(), requests, T0, T0);
    }

    private static Map<String, InferenceResult> byId(List<InferenceResult> results) {
        return results.stream().collect(Collectors.toMap(InferenceResult::requestId, Function.identity()));
    }

    /** A model whose vector for a text is derived from the text; fails on demand. */
    static final class TestingEmbedder implements BatchRunner.Embedder {
        final List<List<String>> calls = new ArrayList<>();
        int failNextCalls;
        String poison;
        boolean unavailable;
        int attempts;

        static float[] vector(String text) {
            return new float[] {text.hashCode(), text.length()};
        }

        @Override
        public synchronized float[][] embed(ModelSpec spec, List<String> texts) {
            attempts++;
            if (unavailable) {
                throw new ModelUnavailableException("no such file");
            }
            if (failNextCalls > 0) {
                failNextCalls--;
                throw new IllegalStateException("transient");
            }
            if (poison != null && texts.contains(poison)) {
                throw new IllegalStateException("bad input");
            }
            calls.add(List.copyOf(texts));
            return texts.stream().map(TestingEmbedder::vector).toArray(float[][]::new);
        }
    }
}

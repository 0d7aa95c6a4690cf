package dev.streaminfer.functions.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.registry.Execution;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.batching.BatchRunner;
import dev.streaminfer.functions.batching.BatchingSettings;
import dev.streaminfer.functions.batching.InferenceBatch;
import dev.streaminfer.functions.batching.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * The same vector for the same text: every served model's vector for a text equals the model's
 * output for that text alone (one call, batch of one) within
 * {@value EmbeddingModel#INVARIANCE_TOLERANCE} per component, whatever it is batched with and
 * whatever layout runs it: random batch compositions of varied texts (short, long, unicode,
 * repeated words, the same text twice) through {@link BatchRunner} with random padded-token
 * budgets and text limits, on sessions of 1 or 2 intra-op threads, and from concurrent callers.
 */
class BatchInvarianceTest {

    private static final double TOLERANCE = EmbeddingModel.INVARIANCE_TOLERANCE;
    private static final long T0 = 1_795_000_000_000L;

    /** Sessions as the job holds them: one per model and settings, shared by every caller. */
    private static final SharedModels MODELS = SharedModels.separate(ModelCacheLimits.ofCount(8));
    private static final Map<String, float[]> ALONE = new ConcurrentHashMap<>();
    private static final Map<String, Double> WORST = new ConcurrentHashMap<>();
    private static final Map<String, Integer> CHECKED = new ConcurrentHashMap<>();

    @AfterContainer
    static void report() {
        WORST.forEach((model, worst) -> System.out.printf(Locale.ROOT,
                "batch invariance %s: max |diff| to the text alone %.1e over %d vectors%n", model, worst,
                CHECKED.get(model)));
    }

    /** Each drawn composition and layout runs on every served model. */
    @Property(tries = 24)
    void aTextsVectorIsTheModelsOutputForItAloneWhateverItsBatchAndLayout(
            @ForAll("requests") List<List<String>> requests,
            @ForAll @IntRange(min = 0, max = 2048) int paddedTokenBudget,
            @ForAll @IntRange(min = 1, max = 32) int maxTexts,
            @ForAll @IntRange(min = 1, max = 2) int intraOpThreads) throws InterruptedException {
        for (ModelSpec spec : ModelRegistry.bundled().all()) {
            checkBatch(spec, requests, paddedTokenBudget, maxTexts, new SessionSettings(intraOpThreads));
        }
    }

    private static void checkBatch(ModelSpec spec, List<List<String>> requests, int paddedTokenBudget, int maxTexts,
                                   SessionSettings sessions) throws InterruptedException {
        BatchRunner runner = new BatchRunner(ModelRegistry.bundled(),
                BatchingSettings.defaults().withBatchLimits(maxTexts, 1_000_000, Duration.ofMillis(10))
                        .withRetry(new RetryPolicy(1, 1, 1)),
                (model, texts) -> {
                    try (SharedModels.Lease lease = MODELS.acquire(model, sessions)) {
                        return lease.model().embed(texts);
                    }
                },
                () -> T0, millis -> {}, BatchRunner.Listener.NONE, paddedTokenBudget);

        List<InferenceResult> results = runner.run(batch(spec, requests));

        assertThat(results).hasSize(requests.size());
        for (int r = 0; r < requests.size(); r++) {
            InferenceResult result = results.get(r);
            assertThat(result.status()).isEqualTo(RequestStatus.COMPLETED);
            assertThat(result.requestId()).isEqualTo("r" + r);
            List<String> texts = requests.get(r);
            assertThat(result.embeddings()).hasNumberOfRows(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                assertAlone(spec, texts.get(i), result.embeddings()[i]);
            }
        }
    }

    /** Two callers on one session, each with its own mix (the job's default: 2 threads, 1 intra-op thread). */
    @Property(tries = 4)
    void concurrentCallersOnOneSessionGetTheVectorsOfTheTextsAlone(
            @ForAll("batchOfTexts") List<String> first,
            @ForAll("batchOfTexts") List<String> second) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            for (ModelSpec spec : ModelRegistry.bundled().all()) {
                try (SharedModels.Lease lease = MODELS.acquire(spec, SessionSettings.defaults())) {
                    List<Future<float[][]>> runs = new ArrayList<>();
                    for (int round = 0; round < 3; round++) {
                        runs.add(callers.submit(() -> lease.model().embed(first, 256)));
                        runs.add(callers.submit(() -> lease.model().embed(second)));
                    }
                    for (int i = 0; i < runs.size(); i++) {
                        List<String> texts = i % 2 == 0 ? first : second;
                        float[][] vectors = runs.get(i).get();
                        for (int t = 0; t < texts.size(); t++) {
                            assertAlone(spec, texts.get(t), vectors[t]);
                        }
                    }
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    /**
     * Why the quantized models run row by row: in one padded call, their vectors move far beyond
     * the tolerance (one activation scale per batch tensor), while the float32 ones do not.
     */
    @Example
    void inOnePaddedCallOnlyTheQuantizedModelsVectorsMove() {
        List<String> texts = VariedTexts.FIXED;
        for (ModelSpec spec : ModelRegistry.bundled().all()) {
            try (SharedModels.Lease lease = MODELS.acquire(spec, SessionSettings.defaults())) {
                float[][] together = lease.model().embedInOneCall(texts);
                double worst = 0;
                for (int i = 0; i < texts.size(); i++) {
                    worst = Math.max(worst, maxAbsDiff(alone(spec, texts.get(i)), together[i]));
                }
                System.out.printf(Locale.ROOT, "one padded call of %d, %s: max |diff| to alone %.1e%n",
                        texts.size(), spec.name(), worst);
                if (spec.execution() == Execution.ROW) {
                    assertThat(worst).as(spec.name()).isGreaterThan(1e-3);
                } else {
                    assertThat(worst).as(spec.name()).isLessThanOrEqualTo(TOLERANCE);
                }
                assertThat(lease.model().execution()).as(spec.name()).isEqualTo(spec.execution());
            }
        }
    }

    /** 1 to 6 requests of 1 to 3 texts each (a request's texts share its batch too). */
    @Provide
    Arbitrary<List<List<String>>> requests() {
        return text().list().ofMinSize(1).ofMaxSize(3).list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<String>> batchOfTexts() {
        return text().list().ofMinSize(1).ofMaxSize(8);
    }

    /** Short, long, unicode, repeated words, generated mixes, and fixed texts that recur across a batch. */
    static Arbitrary<String> text() {
        Arbitrary<String> word = Arbitraries.of(VariedTexts.WORDS);
        Arbitrary<String> shortText = word.list().ofMinSize(1).ofMaxSize(4).map(w -> String.join(" ", w));
        Arbitrary<String> longText = word.list().ofMinSize(40).ofMaxSize(140).map(w -> String.join(" ", w));
        Arbitrary<String> unicode = Arbitraries.oneOf(Arbitraries.of(VariedTexts.UNICODE), word)
                .list().ofMinSize(1).ofMaxSize(20).map(w -> String.join(" ", w));
        Arbitrary<String> scripts = Arbitraries.strings()
                .withCharRange('\u00C0', '\u024F').withCharRange('\u0400', '\u04FF').withCharRange('\u4E00', '\u4FFF')
                .withChars(' ', '.', ',', '!', '?').ofMinLength(1).ofMaxLength(60);
        Arbitrary<String> repeated = Combinators.combine(word, Arbitraries.integers().between(2, 60))
                .as((w, n) -> (w + " ").repeat(n).trim());
        return Arbitraries.oneOf(shortText, longText, unicode, scripts, repeated, Arbitraries.of(VariedTexts.FIXED));
    }

    private static InferenceBatch batch(ModelSpec spec, List<List<String>> requests) {
        InferenceRequest[] members = new InferenceRequest[requests.size()];
        try (SharedModels.Lease lease = MODELS.acquire(spec, SessionSettings.defaults())) {
            for (int r = 0; r < members.length; r++) {
                String[] inputs = requests.get(r).toArray(String[]::new);
                int tokens = 0;
                for (String input : inputs) {
                    tokens += lease.model().tokenizer().countTokens(input);
                }
                members[r] = new InferenceRequest("r" + r, "alice", spec.name(), inputs, Priority.NORMAL,
                        T0 + 60_000, T0, tokens, null);
            }
        }
        return new InferenceBatch("batch", spec.name(), members, T0, T0);
    }

    private static void assertAlone(ModelSpec spec, String text, float[] actual) {
        float[] expected = alone(spec, text);
        double diff = maxAbsDiff(expected, actual);
        WORST.merge(spec.name(), diff, Math::max);
        CHECKED.merge(spec.name(), 1, Integer::sum);
        assertThat(diff).as("%s, text %s", spec.name(), text).isLessThanOrEqualTo(TOLERANCE);
    }

    /** The model's output for the text alone: one call, a batch of one, no padding. */
    private static float[] alone(ModelSpec spec, String text) {
        return ALONE.computeIfAbsent(spec.name() + '\u0000' + text, key -> {
            try (SharedModels.Lease lease = MODELS.acquire(spec, SessionSettings.defaults())) {
                return lease.model().embedInOneCall(List.of(text))[0];
            }
        });
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(b).hasSameSizeAs(a);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}

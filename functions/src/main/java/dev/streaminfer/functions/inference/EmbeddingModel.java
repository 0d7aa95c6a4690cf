package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.Execution;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.ModelTokenizer;
import dev.streaminfer.contract.registry.ModelResources;
import dev.streaminfer.contract.registry.Pooling;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session plus the model's tokenizer, producing pooled, optionally
 * L2-normalised sentence embeddings. {@link #embed} is thread-safe: ONNX Runtime allows
 * concurrent {@code run} calls on one session, which is how two callers with one intra-op thread
 * each get the best throughput on a small machine.
 *
 * <p><b>Batch invariance.</b> A text's vector is the model's output for that text alone, whatever
 * it is embedded with: {@link #embed} follows the model's {@link #execution() layout}.
 * {@link Execution#ROW} runs one call per text (dynamically quantized models pick one activation
 * scale per batch tensor, so batch mates would move a vector by up to 0.05 per component);
 * {@link Execution#BATCHED} pads texts under the attention mask, which keeps float32 rows within
 * {@value #INVARIANCE_TOLERANCE} of the text alone. A model configured batched is probed when it
 * loads and runs row by row instead if its rows move more than that.
 */
public final class EmbeddingModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingModel.class);

    /** Most a component of a text's vector may differ from the text alone (per component). */
    public static final double INVARIANCE_TOLERANCE = 1e-5;

    /** Texts of different lengths and scripts: padded together, they show whether rows interact. */
    static final List<String> PROBE_TEXTS = List.of(
            "hi",
            "A considerably longer probe sentence, padded past the short ones, about batches and padding.",
            "Ünïcödé — 東京, Здравствуй мир 🚀",
            "probe probe probe probe probe probe");

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final ModelSpec spec;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelTokenizer tokenizer;
    private final boolean takesTokenTypeIds;
    private final String outputName;
    private final long weightBytes;
    private volatile Execution execution;

    private EmbeddingModel(ModelSpec spec, OrtEnvironment env, OrtSession session, ModelTokenizer tokenizer,
            long weightBytes) {
        this.spec = spec;
        this.weightBytes = weightBytes;
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.takesTokenTypeIds = session.getInputNames().contains(TOKEN_TYPE_IDS);
        this.outputName = outputName(session);
        this.execution = spec.execution();
    }

    /**
     * Loads the model and checks that it looks like a sentence-embedding model: it takes
     * {@code input_ids} and {@code attention_mask} and puts out vectors of the configured size.
     *
     * <p>A model configured {@link Execution#BATCHED} is {@linkplain #batchDeviation probed}; one
     * whose rows move more than {@value #INVARIANCE_TOLERANCE} with their batch mates runs row by
     * row (logged as a warning).
     *
     * @throws ModelUnavailableException if a file is missing or the graph does not fit the spec
     */
    public static EmbeddingModel load(ModelSpec spec, SessionSettings settings) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ModelTokenizer tokenizer;
        try {
            tokenizer = ModelTokenizer.load(spec);
        } catch (RuntimeException e) {
            throw new ModelUnavailableException("cannot load the tokenizer of model " + spec.name() + " from "
                    + spec.tokenizerLocation() + ": " + e.getMessage(), e);
        }
        OrtSession session = null;
        try (OrtSession.SessionOptions options = settings.toSessionOptions()) {
            byte[] onnx = ModelResources.readAll(spec.onnxLocation());
            session = env.createSession(onnx, options);
            checkShape(spec, session);
            EmbeddingModel model = new EmbeddingModel(spec, env, session, tokenizer, onnx.length);
            model.checkBatchInvariance(settings);
            return model;
        } catch (OrtException | IOException | RuntimeException e) {
            tokenizer.close();
            closeQuietly(session);
            throw e instanceof ModelUnavailableException m ? m
                    : new ModelUnavailableException("cannot load model " + spec.name() + " from " + spec.onnxLocation()
                            + " on " + settings.device() + ": " + e.getMessage(), e);
        }
    }

    private static void checkShape(ModelSpec spec, OrtSession session) throws OrtException {
        if (!session.getInputNames().contains(INPUT_IDS) || !session.getInputNames().contains(ATTENTION_MASK)) {
            throw new ModelUnavailableException("model " + spec.name() + " is not a sentence-embedding model: its inputs are "
                    + session.getInputNames() + ", expected input_ids and attention_mask");
        }
        NodeInfo output = session.getOutputInfo().get(outputName(session));
        if (output != null && output.getInfo() instanceof TensorInfo info && info.getShape().length >= 2) {
            long dim = info.getShape()[info.getShape().length - 1];
            if (dim > 0 && dim != spec.dimensions()) {
                throw new ModelUnavailableException("model " + spec.name() + " puts out " + dim
                        + " dimensions but is configured with " + spec.dimensions());
            }
        }
    }

    /** {@code last_hidden_state} (token vectors, pooled here) if the model has it, else its first output. */
    private static String outputName(OrtSession session) {
        return session.getOutputNames().contains("last_hidden_state")
                ? "last_hidden_state"
                : session.getOutputNames().iterator().next();
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing; the load error is the one worth reporting
            }
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Bytes of the ONNX graph and weights the session holds: what the model cache budgets.
     * ONNX Runtime's activation arena comes on top and grows with the batch shape.
     */
    public long weightBytes() {
        return weightBytes;
    }

    /**
     * How {@link #embed} lays texts out: the spec's, or {@link Execution#ROW} where a batched
     * spec failed the probe at load.
     */
    public Execution execution() {
        return execution;
    }

    /**
     * Embeds texts, one vector per text in their order: row by row, or for a batched model in one
     * batch padded to its longest member.
     */
    public float[][] embed(List<String> texts) {
        return embedTokenIds(tokenize(texts));
    }

    /**
     * Embeds texts; a batched model runs them length-aware: sorted by token count and run as
     * sub-batches that each stay within {@code paddedTokenBudget} (rows × longest member), so a
     * few long texts no longer pad every short one. The vectors come back in the order of
     * {@code texts}. A budget of 0 or less runs one batch, as {@link #embed(List)}. See
     * {@link SubBatches}. A row-wise model ignores the budget.
     */
    public float[][] embed(List<String> texts, int paddedTokenBudget) {
        return embedTokenIds(tokenize(texts), paddedTokenBudget);
    }

    /** {@link #embed(List, int)} for already tokenized texts. */
    public float[][] embedTokenIds(List<long[]> tokenIds, int paddedTokenBudget) {
        if (execution == Execution.ROW) {
            return embedRows(tokenIds);
        }
        int[] lengths = new int[tokenIds.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = tokenIds.get(i).length;
        }
        return SubBatches.run(tokenIds, lengths, paddedTokenBudget, Integer.MAX_VALUE, this::runPadded);
    }

    /** {@link #embed(List)} for already tokenized texts (ids including special tokens). */
    public float[][] embedTokenIds(List<long[]> tokenIds) {
        return execution == Execution.ROW ? embedRows(tokenIds) : runPadded(tokenIds);
    }

    /**
     * For measurements only, never to serve: the texts in one call padded to their longest
     * member, whatever the layout. On a dynamically quantized model this is what makes a vector
     * depend on its batch mates.
     */
    public float[][] embedInOneCall(List<String> texts) {
        return runPadded(tokenize(texts));
    }

    private float[][] embedRows(List<long[]> tokenIds) {
        float[][] out = new float[tokenIds.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = runPadded(List.of(tokenIds.get(i)))[0];
        }
        return out;
    }

    /**
     * Largest per-component difference between the {@link #PROBE_TEXTS} embedded alone and
     * padded together in one call.
     */
    double batchDeviation() {
        List<long[]> ids = tokenize(PROBE_TEXTS);
        float[][] together = runPadded(ids);
        double worst = 0;
        for (int i = 0; i < ids.size(); i++) {
            float[] alone = runPadded(List.of(ids.get(i)))[0];
            for (int d = 0; d < alone.length; d++) {
                worst = Math.max(worst, Math.abs(alone[d] - together[i][d]));
            }
        }
        return worst;
    }

    private void checkBatchInvariance(SessionSettings settings) {
        if (execution != Execution.BATCHED) {
            return;
        }
        double deviation = batchDeviation();
        if (deviation > INVARIANCE_TOLERANCE) {
            execution = Execution.ROW;
            LOG.warn("model {} is configured execution=batched, but on {} padding texts together moved a vector by"
                            + " up to {} per component (more than {}); running it row by row. Set \"execution\": \"row\""
                            + " for it in the models file.", spec.name(), settings.device(),
                    String.format(Locale.ROOT, "%.1e", deviation), INVARIANCE_TOLERANCE);
        } else {
            LOG.info("model {} runs batched on {}: padded rows within {} of the text alone (probe: {})", spec.name(),
                    settings.device(), INVARIANCE_TOLERANCE, String.format(Locale.ROOT, "%.1e", deviation));
        }
    }

    /** Token ids of each text, as the model reads them. */
    public List<long[]> tokenize(List<String> texts) {
        List<long[]> ids = new ArrayList<>(texts.size());
        for (String text : texts) {
            ids.add(tokenizer.tokenIds(text));
        }
        return ids;
    }

    /** One model call: the texts padded to their longest member under the attention mask. */
    private float[][] runPadded(List<long[]> tokenIds) {
        int batch = tokenIds.size();
        int seq = 1;
        for (long[] ids : tokenIds) {
            seq = Math.max(seq, ids.length);
        }
        long[] inputIds = new long[batch * seq];
        long[] mask = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            long[] ids = tokenIds.get(b);
            System.arraycopy(ids, 0, inputIds, b * seq, ids.length);
            for (int t = 0; t < ids.length; t++) {
                mask[b * seq + t] = 1;
            }
        }
        long[] shape = {batch, seq};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(inputIds), shape));
            inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (takesTokenTypeIds) {
                inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[batch * seq]), shape));
            }
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of(outputName))) {
                OnnxTensor output = (OnnxTensor) result.get(0);
                long[] outShape = ((TensorInfo) output.getInfo()).getShape();
                return pool(output.getFloatBuffer(), outShape, mask, seq);
            }
        } catch (OrtException e) {
            throw new InferenceException("model " + spec.name() + " failed on a batch of " + batch, e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private float[][] pool(FloatBuffer hidden, long[] shape, long[] mask, int seq) {
        int batch = (int) shape[0];
        float[][] out = new float[batch][];
        if (shape.length == 2) {
            int dim = (int) shape[1];
            for (int b = 0; b < batch; b++) {
                out[b] = new float[dim];
                hidden.get(b * dim, out[b]);
            }
        } else {
            int dim = (int) shape[2];
            for (int b = 0; b < batch; b++) {
                float[] vector = new float[dim];
                int base = b * seq * dim;
                if (spec.pooling() == Pooling.CLS) {
                    hidden.get(base, vector);
                } else {
                    int count = 0;
                    for (int t = 0; t < seq; t++) {
                        if (mask[b * seq + t] == 0) continue;
                        count++;
                        int offset = base + t * dim;
                        for (int d = 0; d < dim; d++) {
                            vector[d] += hidden.get(offset + d);
                        }
                    }
                    for (int d = 0; d < dim; d++) {
                        vector[d] /= Math.max(count, 1);
                    }
                }
                out[b] = vector;
            }
        }
        if (spec.normalize()) {
            for (float[] vector : out) {
                normalize(vector);
            }
        }
        return out;
    }

    static void normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) sum += (double) v * v;
        double norm = Math.sqrt(sum);
        if (norm == 0) return;
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) (vector[i] / norm);
        }
    }

    /**
     * Length-aware execution of one batch: which members run together. Plain logic, no model.
     *
     * <p>A batch is padded to its longest member, so one long text makes every short one in its
     * batch cost as much as itself. {@link #plan} keeps a batch whole (in its order) when it fits
     * the budget ({@code rows × longest ≤ budget}) and the row limit; otherwise it sorts the
     * members by length (stable) and cuts the sorted run greedily into sub-batches that each fit
     * both. A member longer than the budget runs alone. A budget of 0 or less turns this off:
     * chunks of {@code maxRows} in the original order.
     */
    public static final class SubBatches {

        private SubBatches() {}

        /** Groups of member indices (each group one model call), covering every index once. */
        public static List<int[]> plan(int[] lengths, int paddedTokenBudget, int maxRows) {
            if (maxRows < 1) {
                throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
            }
            int n = lengths.length;
            List<int[]> groups = new ArrayList<>();
            int longest = 0;
            for (int length : lengths) {
                longest = Math.max(longest, length);
            }
            if (paddedTokenBudget <= 0 || (n <= maxRows && (long) n * longest <= paddedTokenBudget)) {
                for (int from = 0; from < n; from += maxRows) {
                    int to = Math.min(n, from + maxRows);
                    int[] group = new int[to - from];
                    for (int i = from; i < to; i++) {
                        group[i - from] = i;
                    }
                    groups.add(group);
                }
                return groups;
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Integer.compare(lengths[a], lengths[b]));
            List<Integer> current = new ArrayList<>();
            for (int index : order) {
                // sorted ascending: the member added is the longest of the group
                long padded = (long) (current.size() + 1) * Math.max(1, lengths[index]);
                if (!current.isEmpty() && (current.size() >= maxRows || padded > paddedTokenBudget)) {
                    groups.add(current.stream().mapToInt(Integer::intValue).toArray());
                    current.clear();
                }
                current.add(index);
            }
            if (!current.isEmpty()) {
                groups.add(current.stream().mapToInt(Integer::intValue).toArray());
            }
            return groups;
        }

        /**
         * Runs {@code items} through {@code runner} in the groups {@link #plan} makes and returns
         * one vector per item, in the order of {@code items}.
         */
        public static <T> float[][] run(List<T> items, int[] lengths, int paddedTokenBudget, int maxRows,
                                        Function<List<T>, float[][]> runner) {
            if (lengths.length != items.size()) {
                throw new IllegalArgumentException(items.size() + " items but " + lengths.length + " lengths");
            }
            List<int[]> groups = plan(lengths, paddedTokenBudget, maxRows);
            if (groups.size() == 1 && groups.get(0).length == items.size()) {
                // one group covers every member, in order (plan sorts only when it splits)
                return checked(runner.apply(items), items.size());
            }
            float[][] out = new float[items.size()][];
            for (int[] group : groups) {
                List<T> part = new ArrayList<>(group.length);
                for (int index : group) {
                    part.add(items.get(index));
                }
                float[][] vectors = checked(runner.apply(part), group.length);
                for (int i = 0; i < group.length; i++) {
                    out[group[i]] = vectors[i];
                }
            }
            return out;
        }

        private static float[][] checked(float[][] vectors, int expected) {
            if (vectors == null || vectors.length != expected) {
                throw new IllegalStateException("the model returned " + (vectors == null ? 0 : vectors.length)
                        + " vectors for " + expected + " texts");
            }
            return vectors;
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            tokenizer.close();
        }
    }
}

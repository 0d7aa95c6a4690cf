package dev.streaminfer.functions.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session plus the model's tokenizer, producing pooled, optionally
 * L2-normalised sentence embeddings. {@link #embed} is thread-safe: ONNX Runtime allows
 * concurrent {@code run} calls on one session, which is how two callers with one intra-op thread
 * each get the best throughput on a small machine.
 */
public final class EmbeddingModel implements AutoCloseable {

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final ModelSpec spec;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelTokenizer tokenizer;
    private final boolean takesTokenTypeIds;
    private final String outputName;

    private EmbeddingModel(ModelSpec spec, OrtEnvironment env, OrtSession session, ModelTokenizer tokenizer) {
        this.spec = spec;
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.takesTokenTypeIds = session.getInputNames().contains(TOKEN_TYPE_IDS);
        this.outputName = session.getOutputNames().contains("last_hidden_state")
                ? "last_hidden_state"
                : session.getOutputNames().iterator().next();
    }

    public static EmbeddingModel load(ModelSpec spec, SessionSettings settings) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ModelTokenizer tokenizer = ModelTokenizer.load(spec);
        try (OrtSession.SessionOptions options = settings.toSessionOptions()) {
            OrtSession session = env.createSession(ModelResources.readAll(spec.onnxLocation()), options);
            return new EmbeddingModel(spec, env, session, tokenizer);
        } catch (OrtException | IOException e) {
            tokenizer.close();
            throw new IllegalStateException("cannot load model " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    /** Embeds texts in one batch, padded to its longest member. */
    public float[][] embed(List<String> texts) {
        List<long[]> ids = new ArrayList<>(texts.size());
        for (String text : texts) {
            ids.add(tokenizer.tokenIds(text));
        }
        return embedTokenIds(ids);
    }

    /** Embeds already tokenized texts (ids including special tokens) in one batch. */
    public float[][] embedTokenIds(List<long[]> tokenIds) {
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

    /** Input and output names with shapes, for diagnostics when a configured model misbehaves. */
    public String describe() {
        try {
            StringBuilder sb = new StringBuilder(spec.name()).append(" inputs=");
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                sb.append(e.getKey()).append(' ');
            }
            return sb.append("output=").append(outputName).toString();
        } catch (OrtException e) {
            throw new UncheckedIOException(new IOException(e));
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

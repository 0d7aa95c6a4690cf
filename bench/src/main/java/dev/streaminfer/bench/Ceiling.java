package dev.streaminfer.bench;

import dev.streaminfer.functions.inference.EmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The ceiling (a): a plain loop calling ONNX Runtime through {@link EmbeddingModel} on full
 * batches of the benchmark texts, with no Flink, no Kafka, no sinks. {@code callers} threads share
 * one session (intra-op threads as the session was loaded with); tokenization is included, as in
 * any loop over texts.
 */
final class Ceiling {

    private Ceiling() {}

    record Result(int batch, int callers, int intraOp, int paddedTokenBudget, double seconds, long texts,
                  double textsPerSecond, double meanBatchMs) {
        Result withIntraOp(int threads) {
            return new Result(batch, callers, threads, paddedTokenBudget, seconds, texts, textsPerSecond, meanBatchMs);
        }
    }

    static Result run(EmbeddingModel model, List<String> texts, int batch, int callers, int paddedTokenBudget,
                      double seconds) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong batches = new AtomicLong();
        AtomicLong batchNanos = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        CountDownLatch finished = new CountDownLatch(callers);
        for (int c = 0; c < callers; c++) {
            int offset = c * 997;
            Thread t = new Thread(() -> {
                try {
                    int next = offset;
                    while (System.nanoTime() < end) {
                        List<String> part = new ArrayList<>(batch);
                        for (int i = 0; i < batch; i++) {
                            part.add(texts.get((next + i) % texts.size()));
                        }
                        next += batch;
                        long t0 = System.nanoTime();
                        batched(model, part, paddedTokenBudget);
                        batchNanos.addAndGet(System.nanoTime() - t0);
                        batches.incrementAndGet();
                        done.addAndGet(batch);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                } finally {
                    finished.countDown();
                }
            }, "ceiling-" + c);
            t.setDaemon(true);
            t.start();
        }
        finished.await();
        if (failure.get() != null) {
            throw new IllegalStateException("ceiling loop failed", failure.get());
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(batch, callers, 1, paddedTokenBudget, elapsed, done.get(), done.get() / elapsed,
                batchNanos.get() / 1e6 / Math.max(1, batches.get()));
    }

    /**
     * The batch in shared, padded calls (length-aware within {@code paddedTokenBudget}, one call at
     * 0) whatever layout the model serves with: the ceiling measures what batching would give.
     */
    static float[][] batched(EmbeddingModel model, List<String> texts, int paddedTokenBudget) {
        int[] lengths = model.tokenize(texts).stream().mapToInt(ids -> ids.length).toArray();
        return EmbeddingModel.SubBatches.run(texts, lengths, paddedTokenBudget, texts.size(), model::embedInOneCall);
    }
}

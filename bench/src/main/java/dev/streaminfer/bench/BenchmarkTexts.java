package dev.streaminfer.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic texts with a realistic mix of lengths, the same for every benchmark run: half
 * short (3-12 words: queries, titles), a third medium (15-40 words: sentences, reviews), the rest
 * long (60-150 words: paragraphs). Same seed, same texts.
 */
public final class BenchmarkTexts {

    private static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are or "
            + "his from at which but have an they you were her she there been one all we their has would when if so "
            + "no will more about up out them into do can time only some could these two may first then other new "
            + "stream batch model token latency kafka flink checkpoint state quota user request result embedding "
            + "vector sentence inference throughput backpressure operator window partition offset replay sink "
            + "postgres redis cluster node memory core thread queue buffer timer deadline priority cancel retry "
            + "failure recovery snapshot restore metric gauge counter histogram dashboard alert deploy kubernetes "
            + "gpu cuda onnx runtime quantized pooling normalise dimension similarity search index document "
            + "customer order payment invoice product review rating delivery shipping price discount account "
            + "weather city travel music movie book story news market energy health science education sport")
            .split(" ");

    private BenchmarkTexts() {}

    public static List<String> generate(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double kind = random.nextDouble();
            int words = kind < 0.5 ? random.nextInt(3, 13) : kind < 0.85 ? random.nextInt(15, 41) : random.nextInt(60, 151);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < words; w++) {
                if (w > 0) sb.append(' ');
                sb.append(WORDS[random.nextInt(WORDS.length)]);
            }
            texts.add(sb.append('.').toString());
        }
        return texts;
    }
}

package dev.streaminfer.functions.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Texts of the kinds that make padded rows interact: short, long, unicode, repeated words,
 * numbers and punctuation. Deterministic for a seed; every text stays well under 256 tokens.
 */
final class VariedTexts {

    static final List<String> WORDS = List.of(
            "stream", "batch", "kafka", "flink", "quota", "token", "vector", "model", "inference", "latency",
            "the", "a", "of", "and", "to", "in", "is", "checkpoint", "sink", "redis", "postgres", "embedding",
            "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "cat", "mat", "guitar", "market", "today");

    static final List<String> UNICODE = List.of(
            "Ünïcödé", "naïve", "café", "東京タワー", "Здравствуй", "мир", "🚀", "🔥", "Ελληνικά", "עברית",
            "العربية", "हिन्दी", "한국어", "ß", "œuvre", "—", "…", "½");

    /** Hand-picked extremes, always part of the pool. */
    static final List<String> FIXED = List.of(
            "hi",
            "a",
            "The quick brown fox jumps over the lazy dog.",
            "Streaming inference on Apache Flink with micro-batches, backpressure and exactly-once sinks: "
                    + "a rather long sentence that goes on to describe checkpoints, Kafka offsets, idempotent "
                    + "writes to PostgreSQL and Redis, and how batches are padded to their longest member.",
            "Ünïcödé tèxt — naïve café, 東京タワー, Здравствуй мир, emoji 🚀🔥",
            "buffalo buffalo buffalo buffalo buffalo buffalo buffalo buffalo",
            "   leading and trailing spaces   ",
            "1234567890 3.14159 2026-11-22T10:00:00Z user@example.com https://example.com/a?b=c");

    private VariedTexts() {}

    /** {@code n} texts: the fixed ones first, then generated ones of every kind. */
    static List<String> generate(int n, long seed) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            texts.add(i < FIXED.size() ? FIXED.get(i) : generated(random));
        }
        return texts;
    }

    static String generated(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> words(random, 1 + random.nextInt(4));                       // short
            case 1 -> words(random, 40 + random.nextInt(100));                    // long
            case 2 -> unicode(random, 3 + random.nextInt(20));                    // unicode
            case 3 -> (WORDS.get(random.nextInt(WORDS.size())) + " ").repeat(2 + random.nextInt(60)).trim(); // repeated
            default -> words(random, 5 + random.nextInt(25)) + " " + random.nextInt(1_000_000) + "!?";
        };
    }

    private static String words(Random random, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) text.append(' ');
            text.append(WORDS.get(random.nextInt(WORDS.size())));
        }
        return text.toString();
    }

    private static String unicode(Random random, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) text.append(' ');
            text.append(random.nextBoolean() ? UNICODE.get(random.nextInt(UNICODE.size()))
                    : WORDS.get(random.nextInt(WORDS.size())));
        }
        return text.toString();
    }
}

package dev.streaminfer.it;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;

/**
 * Token counts the checks expect, counted here with DJL's Hugging Face tokenizer straight from
 * langchain4j's copy of the default model's {@code tokenizer.json} (special tokens included, as
 * the model sees them), not through the job's validation or quota code.
 */
final class ReferenceTokens {

    private static final HuggingFaceTokenizer TOKENIZER = load("/all-minilm-l6-v2-q-tokenizer.json");

    private ReferenceTokens() {}

    private static HuggingFaceTokenizer load(String resource) {
        try (InputStream in = ReferenceTokens.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath");
            }
            return HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false", "truncation", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long count(Collection<String> texts) {
        return texts.stream().mapToLong(text -> TOKENIZER.encode(text).getIds().length).sum();
    }
}

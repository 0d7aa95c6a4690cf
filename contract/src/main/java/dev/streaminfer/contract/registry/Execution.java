package dev.streaminfer.contract.registry;

import java.util.Locale;

/**
 * How a model's texts are laid out into ONNX Runtime calls, named {@code "execution"} in the
 * models file.
 *
 * <p>Whatever the layout, a text's vector must equal the model's output for that text alone: the
 * layout is chosen per model so that this holds.
 */
public enum Execution {
    /**
     * One call per text, never padded. Needed where other rows change a row's result:
     * dynamically quantized models pick one activation scale per batch tensor. Also the fastest
     * layout on a small CPU machine with concurrent callers.
     */
    ROW,
    /**
     * Texts of a batch share a call, padded to its longest member under the attention mask
     * (length-aware sub-batches). Only for models whose rows are independent within 1e-5 per
     * component, such as float32 models.
     */
    BATCHED;

    /** The name used in the models file: {@code row} or {@code batched}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static Execution fromJson(String value) {
        for (Execution e : values()) {
            if (e.jsonName().equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("execution must be row or batched, got " + value);
    }
}

package dev.streaminfer.contract.validation;

/** Counts tokens of one text with a model's own tokenizer. */
@FunctionalInterface
public interface TokenCounter {
    int countTokens(String text);
}

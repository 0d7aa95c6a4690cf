package dev.streaminfer.contract.registry;

/** How token vectors become one sentence vector. */
public enum Pooling {
    /** Average of the token vectors under the attention mask (sentence-transformers MiniLM). */
    MEAN,
    /** The first ([CLS]) token's vector (BGE). */
    CLS
}

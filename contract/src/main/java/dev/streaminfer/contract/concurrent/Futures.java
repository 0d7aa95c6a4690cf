package dev.streaminfer.contract.concurrent;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What a failed {@link java.util.concurrent.CompletableFuture} failed with. */
public final class Futures {

    private Futures() {}

    /**
     * The failure itself, without the {@link CompletionException} or {@link ExecutionException}
     * a dependent stage or a {@code get} wraps it in.
     */
    public static Throwable cause(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}

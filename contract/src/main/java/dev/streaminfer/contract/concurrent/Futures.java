package dev.streaminfer.contract.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What a failed {@link CompletableFuture} failed with. */
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

    /**
     * Waits for {@code future} and returns its value; if it failed, throws what it failed with
     * ({@link #cause}) when that is unchecked, else the {@link CompletionException}.
     */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw cause(e) instanceof RuntimeException runtime ? runtime : e;
        }
    }
}

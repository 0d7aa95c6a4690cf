package dev.streaminfer.functions.connector.redis;

/** Exponential backoff between retries: the options' initial wait, doubled up to their maximum. */
final class Backoff {

    private final long maxMillis;
    private long nextMillis;

    Backoff(RedisSinkOptions options) {
        this.nextMillis = options.initialBackoff().toMillis();
        this.maxMillis = options.maxBackoff().toMillis();
    }

    long nextMillis() {
        return nextMillis;
    }

    void sleep() {
        try {
            Thread.sleep(nextMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nextMillis = Math.min(nextMillis * 2, maxMillis);
    }
}

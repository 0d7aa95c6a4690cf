package dev.streaminfer.api.quota;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Where the API keeps each user's {@link QuotaSettings}: PostgreSQL in production
 * ({@link JdbcQuotaOverrides}), an in-memory fake in unit tests; both pass one contract test.
 */
public interface QuotaOverrides {

    /** The stored settings of a user, if an administrator ever changed them. */
    Optional<QuotaSettings> find(String userId);

    /**
     * Changes one user's settings atomically with respect to other changes of that user: reads the
     * stored settings (or the plan of the user's key with no overrides, {@code free} without a
     * key), applies {@code change}, calls {@code beforeCommit} with the result and stores it only if
     * that returns normally. A plan change also becomes the plan of the user's keys.
     *
     * @return the settings now stored
     */
    QuotaSettings update(String userId, String updatedBy, long updatedAtMillis, UnaryOperator<QuotaSettings> change,
                         Consumer<QuotaSettings> beforeCommit);

    /** PostgreSQL (or the store behind) cannot be reached: nothing was read or changed. */
    final class UnavailableException extends RuntimeException {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

package dev.streaminfer.localstack;

/**
 * Takes the shared test services down and brings them back, so tests can inject outages
 * (broker gone, database gone, cache gone) against real services rather than mocks.
 *
 * <p>Addresses stay the same across a stop/start pair, so clients that were configured before
 * the outage reconnect by themselves. How an outage looks to a client depends on the
 * implementation: the local stack really stops the process (connections are refused), while
 * the Testcontainers stack pauses the container (connections hang until it is unpaused) because
 * restarting a container would give it new mapped ports.
 *
 * <p>Every method is idempotent: stopping a stopped service or starting a running one does
 * nothing. Implementations throw {@link UnsupportedOperationException} for services they do
 * not own (for example an external Kafka named by {@code KAFKA_BOOTSTRAP_SERVERS}).
 */
public interface ServiceControl {

    void stopKafka();

    void startKafka();

    void stopPostgres();

    void startPostgres();

    void stopRedis();

    void startRedis();
}

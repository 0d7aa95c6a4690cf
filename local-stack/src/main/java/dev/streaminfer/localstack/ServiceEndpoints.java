package dev.streaminfer.localstack;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where the three backing services of the pipeline can be reached.
 *
 * <p>One value type for every way of getting services (in-process/locally started, external
 * through environment variables, Testcontainers), so the code under test only ever sees
 * addresses and never knows how the services were provided.
 *
 * @param kafkaBootstrapServers Kafka {@code bootstrap.servers}, e.g. {@code 127.0.0.1:19092}
 * @param postgresUrl JDBC URL of the {@code inference} database
 * @param postgresUser database user that owns the schema
 * @param postgresPassword that user's password
 * @param redisUrl {@code redis://host:port}
 */
public record ServiceEndpoints(
        String kafkaBootstrapServers,
        String postgresUrl,
        String postgresUser,
        String postgresPassword,
        String redisUrl) {

    public ServiceEndpoints {
        Objects.requireNonNull(kafkaBootstrapServers, "kafkaBootstrapServers");
        Objects.requireNonNull(postgresUrl, "postgresUrl");
        Objects.requireNonNull(postgresUser, "postgresUser");
        Objects.requireNonNull(postgresPassword, "postgresPassword");
        Objects.requireNonNull(redisUrl, "redisUrl");
    }

    /** Host part of {@link #redisUrl()}, for clients that want host and port separately. */
    /** A data source for the PostgreSQL database (no pool: for tests and one-off tools). */
    public javax.sql.DataSource postgresDataSource() {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setUrl(postgresUrl);
        ds.setUser(postgresUser);
        ds.setPassword(postgresPassword);
        return ds;
    }

    public String redisHost() {
        return URI.create(redisUrl).getHost();
    }

    /** Port part of {@link #redisUrl()} (6379 when the URL names none). */
    public int redisPort() {
        int port = URI.create(redisUrl).getPort();
        return port < 0 ? 6379 : port;
    }

    /**
     * The endpoints as the environment variables every component of the project reads
     * ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code POSTGRES_URL}, {@code POSTGRES_USER},
     * {@code POSTGRES_PASSWORD}, {@code REDIS_URL}), in that order; handy to pass to a child
     * process or to write an env file for shell scripts.
     */
    public Map<String, String> asEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(LocalStack.ENV_KAFKA, kafkaBootstrapServers);
        env.put(LocalStack.ENV_POSTGRES_URL, postgresUrl);
        env.put(LocalStack.ENV_POSTGRES_USER, postgresUser);
        env.put(LocalStack.ENV_POSTGRES_PASSWORD, postgresPassword);
        env.put(LocalStack.ENV_REDIS, redisUrl);
        return env;
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "ServiceEndpoints[kafka=" + kafkaBootstrapServers + ", postgres=" + postgresUrl
                + " (user " + postgresUser + "), redis=" + redisUrl + "]";
    }
}

package dev.streaminfer.api;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.streaminfer.api.kafka.KafkaRequestLookup;
import dev.streaminfer.api.kafka.KafkaRequestPublisher;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.ModelTokenizer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The API's connections to the outside: the models' tokenizers, PostgreSQL, Redis and Kafka (a
 * producer, and a consumer that only looks requests up). Each
 * is registered in {@code resources} as it opens, so a failure part way closes what was opened.
 */
record ApiClients(
        ModelRegistry registry,
        Map<String, ModelTokenizer> tokenizers,
        HikariDataSource dataSource,
        RedisClient redisClient,
        StatefulRedisConnection<String, String> redis,
        KafkaRequestPublisher publisher,
        KafkaRequestLookup lookup) {

    /** @param kafkaProduced told of every Kafka write (topic, time, outcome) */
    static ApiClients open(ApiConfig config, List<AutoCloseable> resources, KafkaRequestPublisher.ProduceListener kafkaProduced) {
        // The same models as the job: the bundled ones plus STREAMINFER_MODELS_FILE, if set.
        ModelRegistry registry = ModelRegistry.resolve(Optional.empty(), System.getenv());
        Map<String, ModelTokenizer> tokenizers = new LinkedHashMap<>();
        for (ModelSpec spec : registry.all()) {
            ModelTokenizer tokenizer = ModelTokenizer.load(spec);
            resources.add(tokenizer);
            tokenizers.put(spec.name(), tokenizer);
        }
        HikariDataSource dataSource = postgres(config);
        resources.add(dataSource);

        ClientResources redisResources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        resources.add(() -> redisResources.shutdown(0, 2, TimeUnit.SECONDS));
        RedisClient redisClient = RedisClient.create(redisResources, RedisURI.create(config.redisUrl()));
        redisClient.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.redisTimeout()))
                .build());
        resources.add(redisClient::shutdown);
        StatefulRedisConnection<String, String> redis = redisClient.connect();
        redis.setTimeout(config.redisTimeout());
        resources.add(redis);

        KafkaRequestPublisher publisher = new KafkaRequestPublisher(config.kafkaBootstrapServers(),
                config.requestsTopic(), config.quotaUpdatesTopic(), config.kafkaTimeout(), kafkaProduced);
        resources.add(publisher);
        // Reads inference-requests only to settle writes whose outcome is unknown (rare).
        KafkaRequestLookup lookup = new KafkaRequestLookup(config.kafkaBootstrapServers(), config.requestsTopic(),
                config.kafkaTimeout());
        resources.add(lookup);
        return new ApiClients(registry, tokenizers, dataSource, redisClient, redis, publisher, lookup);
    }

    private static HikariDataSource postgres(ApiConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.postgresUrl());
        hikari.setUsername(config.postgresUser());
        hikari.setPassword(config.postgresPassword());
        hikari.setPoolName("ingest-api");
        hikari.setMaximumPoolSize(4);
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(Math.max(250, config.redisTimeout().toMillis()));
        hikari.setValidationTimeout(Math.max(250, Math.min(1000, config.redisTimeout().toMillis())));
        hikari.setInitializationFailTimeout(-1); // start even if PostgreSQL is down; /readyz tells
        return new HikariDataSource(hikari);
    }

    boolean postgresReachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(1);
        } catch (Exception e) {
            return false;
        }
    }
}

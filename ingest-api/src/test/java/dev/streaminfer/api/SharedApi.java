package dev.streaminfer.api;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import java.time.Duration;

/**
 * One API instance over the shared real Kafka, PostgreSQL and Redis for every ITCase in the JVM,
 * with the demo keys seeded. Tests use unique ids and keys, so they can share it.
 */
final class SharedApi {

    static final String ALICE = "it-alice-key";
    static final String BOB = "it-bob-key";
    static final String ADMIN = "it-admin-key";

    private static IngestApi api;
    private static StatefulRedisConnection<String, String> redis;

    private SharedApi() {}

    static synchronized IngestApi get() {
        if (api == null) {
            ServiceEndpoints e = endpoints();
            seed(e);
            api = IngestApi.start(config(e).build());
            Runtime.getRuntime().addShutdownHook(new Thread(api::close, "shared-api-shutdown"));
        }
        awaitReady();
        return api;
    }

    /**
     * Outage tests stop and restart Kafka, PostgreSQL and Redis under this API too; its clients
     * reconnect by themselves, within their backoff. A test that starts before they have would see
     * their outage, so each test gets the API only once it reports ready again.
     */
    private static void awaitReady() {
        new TestHttp(api.port()).awaitStatus("/readyz", 200, Duration.ofSeconds(30));
    }

    static ServiceEndpoints endpoints() {
        return TestServices.get().endpoints();
    }

    static ApiConfig.Builder config(ServiceEndpoints e) {
        return ApiConfig.builder()
                .port(0)
                .kafkaBootstrapServers(e.kafkaBootstrapServers())
                .postgres(e.postgresUrl(), e.postgresUser(), e.postgresPassword())
                .redisUrl(e.redisUrl())
                .kafkaTimeout(Duration.ofSeconds(3))
                .keyCacheTtl(Duration.ofSeconds(1))
                .waitPollInterval(Duration.ofMillis(200))
                .embeddingsWait(Duration.ofSeconds(4))
                .readinessInterval(Duration.ofMillis(300));
    }

    static void seed(ServiceEndpoints e) {
        ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), ALICE, "it-alice", "user", "free");
        ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), BOB, "it-bob", "user", "pro");
        ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), ADMIN, "it-admin", "admin", "unlimited");
    }

    /** One Redis connection for the tests' own reads and writes, shared like the API. */
    static synchronized RedisCommands<String, String> redis() {
        if (redis == null) {
            RedisClient client = RedisClient.create(endpoints().redisUrl());
            redis = client.connect();
            Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown, "shared-redis-shutdown"));
        }
        return redis.sync();
    }

    static TestHttp http() {
        return new TestHttp(get().port());
    }
}

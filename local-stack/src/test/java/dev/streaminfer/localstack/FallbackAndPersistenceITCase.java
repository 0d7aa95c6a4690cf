package dev.streaminfer.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The code paths the main stack does not take on a machine with Debian PostgreSQL and
 * redis-server installed: the bundled fallbacks, and reuse of persistent data across
 * instances (the quickstart's restart).
 */
class FallbackAndPersistenceITCase {

    private Path dir;

    @BeforeEach
    void createDir() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "streaminfer-fallback-it-");
        Os.makeTraversable(dir);
    }

    @AfterEach
    void deleteDir() {
        Os.deleteRecursively(dir);
    }

    @Test
    void embeddedPostgresFallbackCreatesRoleAndDatabaseAndRestarts() throws Exception {
        LocalPostgres pg = new LocalPostgres(Ports.freePort(), dir.resolve("pg"), false, LocalPostgres.Binaries.EMBEDDED);
        try {
            pg.start();
            assertThat(pg.description()).contains("embedded");
            assertThat(selectOne(pg)).isEqualTo(1);
            pg.stop();
            pg.start();
            assertThat(selectOne(pg)).isEqualTo(1);
        } finally {
            pg.close();
        }
    }

    @Test
    void bundledRedisFallbackAnswersPingAndRestarts() {
        LocalRedis redis = new LocalRedis(Ports.freePort(), dir.resolve("redis"), LocalRedis.Binaries.EMBEDDED);
        try {
            redis.start();
            assertThat(redis.description()).contains("embedded");
            assertThat(LocalRedis.ping("127.0.0.1", redis.port())).isTrue();
            assertThat(redis.pid()).isPresent();
            redis.stop();
            assertThat(LocalRedis.ping("127.0.0.1", redis.port())).isFalse();
            redis.start();
            assertThat(LocalRedis.ping("127.0.0.1", redis.port())).isTrue();
        } finally {
            redis.close();
        }
    }

    @Test
    void aNewInstanceReusesPersistentKafkaAndPostgresData() throws Exception {
        int kafkaPort = Ports.freePort();
        int controllerPort = Ports.freePort();
        int pgPort = Ports.freePort();
        try (EmbeddedKafka kafka = new EmbeddedKafka(kafkaPort, controllerPort, dir.resolve("kafka"));
                LocalPostgres pg = new LocalPostgres(pgPort, dir.resolve("pg"), true)) {
            kafka.start();
            kafka.createTopics(TopicSpec.of("survives-restart", 2));
            pg.start();
            try (Connection c = connect(pg); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (v int)");
                s.execute("INSERT INTO kept VALUES (42)");
            }
        }
        // A new JVM would do exactly this: same folders and ports, new objects.
        try (EmbeddedKafka kafka = new EmbeddedKafka(kafkaPort, controllerPort, dir.resolve("kafka"));
                LocalPostgres pg = new LocalPostgres(pgPort, dir.resolve("pg"), true)) {
            kafka.start();
            try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("survives-restart");
            }
            pg.start();
            try (Connection c = connect(pg); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
        assertThat(dir.resolve("kafka/meta.properties")).exists(); // persistent dirs are never deleted
    }

    @Test
    void aPostmasterLeftRunningOnTheDataDirIsStoppedAndReplaced() throws Exception {
        int pgPort = Ports.freePort();
        LocalPostgres first = new LocalPostgres(pgPort, dir.resolve("pg"), false);
        first.start();
        // Simulate a killed JVM: forget 'first' without stopping it; the postmaster keeps running.
        LocalPostgres second = new LocalPostgres(pgPort, dir.resolve("pg"), false);
        try {
            second.start();
            assertThat(selectOne(second)).isEqualTo(1);
        } finally {
            second.close();
        }
        assertThat(Ports.isListening(pgPort)).isFalse();
    }

    @Test
    void aRedisLeftRunningFromAnEarlierRunIsStoppedAndReplaced() {
        int port = Ports.freePort();
        LocalRedis first = new LocalRedis(port, dir.resolve("redis"));
        first.start();
        long stalePid = first.pid().orElseThrow();
        LocalRedis second = new LocalRedis(port, dir.resolve("redis"));
        try {
            second.start();
            assertThat(ProcessHandle.of(stalePid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(second.pid().orElseThrow()).isNotEqualTo(stalePid);
            assertThat(LocalRedis.ping("127.0.0.1", port)).isTrue();
        } finally {
            second.close();
            first.close();
        }
    }

    private static int selectOne(LocalPostgres pg) throws Exception {
        try (Connection c = connect(pg); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Connection connect(LocalPostgres pg) throws Exception {
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

}

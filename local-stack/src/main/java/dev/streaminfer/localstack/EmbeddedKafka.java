package dev.streaminfer.localstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka (KRaft, combined broker and controller) running inside this JVM.
 *
 * <p>Why in-process: the project must run its quickstart and its integration tests on machines
 * without a Docker engine, and the broker classes are a plain Maven dependency. The broker is
 * configured for a single node: every internal topic (offsets, transaction state, share state)
 * has replication factor 1 and min ISR 1 — without this the transaction coordinator never
 * becomes available and Flink's exactly-once {@code KafkaSink} cannot start a transaction.
 * {@code transaction.max.timeout.ms} is 15 minutes so sinks may use generous transaction
 * timeouts, consumer groups rebalance without the initial 3 s delay, and topics are
 * auto-created.
 *
 * <p>Data: when a data directory is given it is kept across {@link #stop()}/{@link #start()}
 * and across JVM runs (storage is formatted only once: an existing {@code meta.properties}
 * means "already formatted"). Without one a temporary directory is used, kept across
 * stop/start (so a simulated outage loses nothing) and deleted by {@link #close()}.
 *
 * <p>The broker listens on 127.0.0.1 only. {@link #stop()} followed by {@link #start()} brings
 * the broker back on the same ports with the same data, which is how tests simulate a broker
 * outage.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";

    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final boolean temporary;
    private KafkaRaftServer server;

    /**
     * A broker on {@code port} with its controller on a free port chosen now (kept for the
     * lifetime of this object). {@code dataDir} may be null for a temporary directory.
     */
    public EmbeddedKafka(int port, Path dataDir) {
        this(port, Ports.freePort(), dataDir);
    }

    /**
     * A broker on {@code port}, its KRaft controller on {@code controllerPort}; data in
     * {@code dataDir}, or in a temporary directory deleted on {@link #close()} if null. Keep the
     * controller port stable for a persistent data directory (the quickstart uses port + 1).
     */
    public EmbeddedKafka(int port, int controllerPort, Path dataDir) {
        if (port == controllerPort) {
            throw new IllegalArgumentException("broker and controller need different ports, both are " + port);
        }
        this.port = port;
        this.controllerPort = controllerPort;
        this.temporary = dataDir == null;
        try {
            this.dataDir = temporary ? Files.createTempDirectory("streaminfer-kafka-") : dataDir.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
        }
    }

    /** Starts the broker (formatting the storage first if needed) and waits until it serves requests. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        long t0 = System.nanoTime();
        if (Ports.isListening(port) || Ports.isListening(controllerPort)) {
            throw new IllegalStateException("cannot start Kafka on 127.0.0.1:" + port + " (controller " + controllerPort
                    + "): the port is already in use. Stop whatever listens there, or set KAFKA_BOOTSTRAP_SERVERS to use"
                    + " an existing broker.");
        }
        Properties props = brokerProperties();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data directory " + dataDir, e);
        }
        if (!Files.exists(dataDir.resolve("meta.properties"))) {
            format(props);
        }
        KafkaRaftServer candidate = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        try {
            candidate.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(candidate);
            throw new IllegalStateException("Kafka failed to start on " + bootstrapServers() + " with data in " + dataDir, e);
        }
        server = candidate;
        awaitServing(Duration.ofSeconds(60));
        LOG.info("Kafka started on {} (data {}) in {} ms", bootstrapServers(), dataDir, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Shuts the broker down cleanly; data is kept. Does nothing if it is not running. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        long t0 = System.nanoTime();
        KafkaRaftServer stopping = server;
        server = null;
        shutdownQuietly(stopping);
        LOG.info("Kafka on {} stopped in {} ms", bootstrapServers(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Stops the broker and deletes the data directory if it was a temporary one. */
    @Override
    public synchronized void close() {
        stop();
        if (temporary) {
            Os.deleteRecursively(dataDir);
        }
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code 127.0.0.1:port}, valid whether or not the broker is running. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates topics that do not exist yet; see {@link Provisioning#createTopics}. */
    public void createTopics(Collection<TopicSpec> topics) {
        Provisioning.createTopics(bootstrapServers(), topics);
    }

    /** Varargs form of {@link #createTopics(Collection)}. */
    public void createTopics(TopicSpec... topics) {
        createTopics(Arrays.asList(topics));
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.toString());

        // One node: every internal topic must live with a single replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");

        // Flink's exactly-once KafkaSink opens long transactions; allow up to 15 minutes.
        p.put("transaction.max.timeout.ms", "900000");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("num.partitions", "1");

        // A laptop-sized broker: few threads, small cleaner buffer (the default takes 128 MB of heap).
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("background.threads", "4");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        return p;
    }

    /** Formats the log directory, as {@code kafka-storage.sh format -t <id> -c <config>} would. */
    private void format(Properties props) {
        Path config = null;
        try {
            config = Files.createTempFile("streaminfer-kafka-", ".properties");
            try (OutputStream out = Files.newOutputStream(config)) {
                props.store(out, "streaminfer embedded Kafka (format only)");
            }
            String clusterId = Uuid.randomUuid().toString();
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            int code;
            try (PrintStream printStream = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
                code = StorageTool.execute(
                        new String[] {"format", "--config", config.toString(), "--cluster-id", clusterId}, printStream);
            }
            String output = buffer.toString(StandardCharsets.UTF_8).strip();
            if (code != 0) {
                throw new IllegalStateException("formatting Kafka storage in " + dataDir + " failed (exit " + code + "): " + output);
            }
            LOG.info("Formatted Kafka storage in {} (cluster id {})", dataDir, clusterId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Kafka config used for formatting", e);
        } finally {
            if (config != null) {
                try {
                    Files.deleteIfExists(config);
                } catch (IOException ignored) {
                    // temp file, harmless
                }
            }
        }
    }

    /** startup() returns once the broker is unfenced; confirm that it answers clients too. */
    private void awaitServing(Duration timeout) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "streaminfer-embedded-kafka-probe");
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        } catch (Exception e) {
            throw new IllegalStateException("Kafka on " + bootstrapServers() + " started but does not answer clients", e);
        }
    }

    private static void shutdownQuietly(KafkaRaftServer s) {
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Error while shutting Kafka down", e);
        }
    }
}

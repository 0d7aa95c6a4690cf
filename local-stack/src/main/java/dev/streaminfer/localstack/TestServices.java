package dev.streaminfer.localstack;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The one set of Kafka, PostgreSQL and Redis that every test suite in the repository shares,
 * started lazily on first use and stopped by a shutdown hook when the test JVM exits.
 *
 * <p>Why one holder: starting the services costs seconds, every module's tests need the same
 * three, and tests must run both where Docker exists (CI) and where it does not (this kind of
 * machine). Selection, by the environment variable {@value #ENV_SELECT}:
 * <ul>
 *   <li>{@code local}: {@link LocalStack#forTests()} (in-process Kafka, local PostgreSQL and Redis);</li>
 *   <li>{@code testcontainers}: {@link TestcontainersStack}, failing loudly if Docker is absent;</li>
 *   <li>{@code auto} (default): Testcontainers when a Docker engine answers, else local.</li>
 * </ul>
 * The choice and its reason are logged at WARN, so a run never silently uses something else.
 *
 * <p>Usage in a test: {@code ServiceEndpoints e = TestServices.get().endpoints();} and, to
 * inject an outage, {@code TestServices.get().control().stopPostgres()} followed by
 * {@code startPostgres()}. The services are shared: a test that stops one must start it again
 * (in a {@code finally}) and should not assume it has the topics or tables to itself (use
 * unique ids/keys).
 */
public final class TestServices {

    /** Which implementation provides the services. */
    public enum Backend { LOCAL, TESTCONTAINERS }

    public static final String ENV_SELECT = "STREAMINFER_TEST_SERVICES";

    private static final Logger LOG = LoggerFactory.getLogger(TestServices.class);
    private static TestServices instance;
    private static RuntimeException startFailure;

    private final Backend backend;
    private final String reason;
    private final ServiceEndpoints endpoints;
    private final ServiceControl control;

    private TestServices(Backend backend, String reason, ServiceEndpoints endpoints, ServiceControl control) {
        this.backend = backend;
        this.reason = reason;
        this.endpoints = endpoints;
        this.control = control;
    }

    /**
     * The shared services, started on the first call (blocking until ready and provisioned).
     * If starting failed once, later calls fail at once with the same cause instead of trying
     * again for every test class.
     */
    public static synchronized TestServices get() {
        if (instance != null) {
            return instance;
        }
        if (startFailure != null) {
            throw new IllegalStateException("the shared test services failed to start earlier in this JVM: "
                    + startFailure.getMessage(), startFailure);
        }
        try {
            instance = start();
            return instance;
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        }
    }

    /** Where the services are. */
    public ServiceEndpoints endpoints() {
        return endpoints;
    }

    /** Stops and starts services to inject outages. */
    public ServiceControl control() {
        return control;
    }

    public Backend backend() {
        return backend;
    }

    /** Why this backend was chosen, in words. */
    public String reason() {
        return reason;
    }

    private static TestServices start() {
        String raw = System.getenv(ENV_SELECT);
        String mode = raw == null || raw.isBlank() ? "auto" : raw.strip().toLowerCase(Locale.ROOT);
        Backend backend;
        String reason;
        switch (mode) {
            case "local" -> {
                backend = Backend.LOCAL;
                reason = ENV_SELECT + "=local";
            }
            case "testcontainers" -> {
                if (!dockerAvailable()) {
                    throw new IllegalStateException(ENV_SELECT + "=testcontainers but no Docker engine is reachable"
                            + " (Testcontainers found none; see its log above). Start Docker, or set " + ENV_SELECT
                            + "=local (or unset it) to use locally started services.");
                }
                backend = Backend.TESTCONTAINERS;
                reason = ENV_SELECT + "=testcontainers and a Docker engine is reachable";
            }
            case "auto" -> {
                if (dockerAvailable()) {
                    backend = Backend.TESTCONTAINERS;
                    reason = ENV_SELECT + " is " + (raw == null ? "unset" : "auto") + " and a Docker engine is reachable";
                } else {
                    backend = Backend.LOCAL;
                    reason = ENV_SELECT + " is " + (raw == null ? "unset" : "auto")
                            + " and no Docker engine is reachable, so Kafka runs in-process and PostgreSQL/Redis as local processes";
                }
            }
            default -> throw new IllegalStateException(ENV_SELECT + "=" + raw + " is not one of: auto, local, testcontainers");
        }
        LOG.warn("Shared test services: using {} ({})", backend == Backend.LOCAL ? "the local stack" : "Testcontainers", reason);
        long t0 = System.nanoTime();
        TestServices services;
        if (backend == Backend.LOCAL) {
            LocalStack stack = LocalStack.forTests();
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "local-stack-shutdown"));
            try {
                services = new TestServices(backend, reason, stack.start(), stack);
            } catch (RuntimeException e) {
                stack.close();
                throw e;
            }
        } else {
            TestcontainersStack stack = new TestcontainersStack();
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "testcontainers-stack-shutdown"));
            services = new TestServices(backend, reason, stack.start(), stack);
        }
        LOG.warn("Shared test services ready in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, services.endpoints);
        return services;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("Docker detection failed", e);
            return false;
        }
    }
}

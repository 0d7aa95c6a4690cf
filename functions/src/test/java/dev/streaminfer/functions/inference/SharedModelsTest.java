package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.Pooling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * One session per model shared by every caller; limits on count, bytes and idle time that never
 * close a model in use.
 */
class SharedModelsTest {

    private static final SessionSettings CPU = SessionSettings.defaults();
    /** The quantized MiniLM's ONNX file, read independently of the class under test. */
    private static final long MINILM_BYTES = onnxBytes(ModelRegistry.ALL_MINILM_L6_V2_Q);

    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<EmbeddingModel> created = new ArrayList<>();
    private final SharedModels models = cache(ModelCacheLimits.ofCount(2));

    private SharedModels cache(ModelCacheLimits limits) {
        return new SharedModels(limits, (spec, settings) -> {
            loads.incrementAndGet();
            EmbeddingModel m = EmbeddingModel.load(spec, settings);
            created.add(m);
            return m;
        }, now::get);
    }

    private static long onnxBytes(ModelSpec spec) {
        try (InputStream in = SharedModelsTest.class.getResourceAsStream("/" + spec.onnxLocation().substring("classpath:".length()))) {
            return in.readAllBytes().length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertClosed(EmbeddingModel model) {
        assertThatThrownBy(() -> model.embed(List.of("closed"))).isInstanceOf(RuntimeException.class);
    }

    private static ModelSpec named(String name) {
        ModelSpec m = ModelRegistry.ALL_MINILM_L6_V2_Q;
        return new ModelSpec(name, m.onnxLocation(), m.tokenizerLocation(), m.maxInputTokens(), m.pooling(),
                m.normalize(), m.dimensions());
    }

    @Test
    void callersShareOneSessionPerModel() {
        try (SharedModels.Lease a = models.acquire(named("a"), CPU);
             SharedModels.Lease b = models.acquire(named("a"), CPU)) {
            assertThat(a.model()).isSameAs(b.model());
        }
        assertThat(loads).hasValue(1);
    }

    @Test
    void theLeastRecentlyUsedIdleModelIsEvictedBeyondTheCap() {
        models.acquire(named("a"), CPU).close();
        models.acquire(named("b"), CPU).close();
        models.acquire(named("a"), CPU).close(); // a is now more recent than b

        models.acquire(named("c"), CPU).close();

        assertThat(models.loadedModels()).containsExactly("a", "c");
        assertClosed(created.get(1));
        assertThat(created.get(0).embed(List.of("still open"))).hasNumberOfRows(1);
    }

    @Test
    void aModelInUseIsClosedOnlyAfterItsLastLeaseReturns() {
        SharedModels.Lease a = models.acquire(named("a"), CPU);
        SharedModels.Lease b = models.acquire(named("b"), CPU);
        SharedModels.Lease c = models.acquire(named("c"), CPU);

        assertThat(models.loadedModels()).hasSize(3); // over the cap while all are in use
        assertThat(a.model().embed(List.of("in use"))).hasNumberOfRows(1);

        a.close();
        assertThat(models.loadedModels()).containsExactly("b", "c");
        b.close();
        c.close();
    }

    @Test
    void aModelThatFailsToLoadIsReportedAndTriedAgainNextTime() {
        ModelSpec missing = new ModelSpec("missing", "/nonexistent/model.onnx",
                ModelRegistry.ALL_MINILM_L6_V2_Q.tokenizerLocation(), 128, Pooling.MEAN, true, 384);

        assertThatThrownBy(() -> models.acquire(missing, CPU))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageContaining("/nonexistent/model.onnx");
        assertThatThrownBy(() -> models.acquire(missing, CPU)).isInstanceOf(ModelUnavailableException.class);
        assertThat(models.loadedModels()).isEmpty();
    }

    @Test
    void beyondTheByteBudgetTheLeastRecentlyUsedIdleModelsAreClosed() {
        SharedModels budgeted = cache(new ModelCacheLimits(10, 2 * MINILM_BYTES + MINILM_BYTES / 2, Duration.ZERO));
        budgeted.acquire(named("a"), CPU).close();
        budgeted.acquire(named("b"), CPU).close();
        assertThat(budgeted.loaded()).extracting(SharedModels.LoadedModel::bytes)
                .containsExactly(MINILM_BYTES, MINILM_BYTES);

        budgeted.acquire(named("c"), CPU).close();

        assertThat(budgeted.loadedModels()).containsExactly("b", "c");
        assertClosed(created.get(0));
    }

    @Test
    void aModelIdleLongerThanTheTimeoutIsClosedAndLoadedAgainOnItsNextUse() {
        SharedModels expiring = cache(new ModelCacheLimits(10, 0, Duration.ofMinutes(5)));
        expiring.acquire(named("a"), CPU).close();
        SharedModels.Lease held = expiring.acquire(named("b"), CPU);

        now.addAndGet(Duration.ofMinutes(5).toMillis() - 1);
        expiring.unloadIdle();
        assertThat(expiring.loadedModels()).containsExactly("a", "b");

        now.addAndGet(1);
        expiring.unloadIdle();
        assertThat(expiring.loadedModels()).as("b is leased, not idle").containsExactly("b");
        assertClosed(created.get(0));

        held.close();
        expiring.acquire(named("a"), CPU).close();
        assertThat(loads).hasValue(3);
    }

    @Test
    void theSweepClosesIdleModelsWithoutAnyCall() throws InterruptedException {
        SharedModels expiring = SharedModels.separate(new ModelCacheLimits(10, 0, Duration.ofMillis(100)));
        expiring.acquire(named("a"), CPU).close();

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!expiring.loadedModels().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(expiring.loadedModels()).isEmpty();
    }

    @Test
    void anIdleTimeoutSetWhileModelsAreLoadedIsSweptToo() throws InterruptedException {
        SharedModels cache = SharedModels.separate(ModelCacheLimits.ofCount(10));
        cache.acquire(named("a"), CPU).close();

        cache.configure(new ModelCacheLimits(10, 0, Duration.ofMillis(100)));

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cache.loadedModels().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(cache.loadedModels()).isEmpty();
    }

    @Test
    void usesAndLastUseAreCountedPerModel() {
        models.acquire(named("a"), CPU).close();
        now.addAndGet(500);
        try (SharedModels.Lease a = models.acquire(named("a"), CPU)) {
            now.addAndGet(250);
            assertThat(models.loaded()).singleElement().satisfies(m -> {
                assertThat(m.uses()).isEqualTo(2);
                assertThat(m.leases()).isEqualTo(1);
                assertThat(m.lastUsedMillis()).isEqualTo(1_000_500);
            });
        }
        assertThat(models.loaded()).singleElement().satisfies(m -> {
            assertThat(m.leases()).isZero();
            assertThat(m.lastUsedMillis()).as("idle from the last release").isEqualTo(1_000_750);
            assertThat(m.device()).isEqualTo(ExecutionDevice.cpu());
        });
    }

    @Test
    void tighterLimitsApplyAtOnceToIdleModels() {
        models.acquire(named("a"), CPU).close();
        models.acquire(named("b"), CPU).close();

        models.configure(ModelCacheLimits.ofCount(1));

        assertThat(models.loadedModels()).containsExactly("b");
    }
}

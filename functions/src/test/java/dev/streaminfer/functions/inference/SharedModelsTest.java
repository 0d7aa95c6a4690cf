package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.registry.Pooling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One session per model shared by every caller, and an LRU cap that never closes a model in use. */
class SharedModelsTest {

    private static final SessionSettings CPU = SessionSettings.defaults();

    private final AtomicInteger loads = new AtomicInteger();
    private final List<EmbeddingModel> created = new ArrayList<>();
    private final SharedModels models = new SharedModels(2, (spec, settings) -> {
        loads.incrementAndGet();
        EmbeddingModel m = EmbeddingModel.load(spec, settings);
        created.add(m);
        return m;
    });

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
        assertThatThrownBy(() -> created.get(1).embed(List.of("closed"))).isInstanceOf(RuntimeException.class);
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
}

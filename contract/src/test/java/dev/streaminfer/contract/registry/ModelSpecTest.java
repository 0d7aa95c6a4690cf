package dev.streaminfer.contract.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The execution layout of a model: part of its spec, named in the models file. */
class ModelSpecTest {

    @Test
    void aModelWithoutALayoutRunsRowByRow() {
        ModelSpec spec = new ModelSpec("mine", "/m.onnx", "/t.json", 128, Pooling.MEAN, true, 384);

        assertThat(spec.execution()).isEqualTo(Execution.ROW);
        assertThat(spec.withBatchLimits(8, 100).execution()).isEqualTo(Execution.ROW);
        assertThat(spec.withExecution(Execution.BATCHED).withBatchLimits(8, 100).execution()).isEqualTo(Execution.BATCHED);
    }

    @Test
    void quantizedBundledModelsRunRowByRowAndFloat32OnesBatched() {
        assertThat(ModelRegistry.ALL_MINILM_L6_V2_Q.execution()).isEqualTo(Execution.ROW);
        assertThat(ModelRegistry.BGE_SMALL_EN_V15_Q.execution()).isEqualTo(Execution.ROW);
        assertThat(ModelRegistry.ALL_MINILM_L6_V2.execution()).isEqualTo(Execution.BATCHED);
        assertThat(ModelRegistry.BGE_SMALL_EN_V15.execution()).isEqualTo(Execution.BATCHED);
    }

    @Test
    void theFloat32ModelsShipTheirFilesInTheirJars() {
        for (ModelSpec spec : ModelRegistry.bundled().all()) {
            assertThat(ModelSpecTest.class.getClassLoader().getResource(spec.onnxLocation().substring("classpath:".length())))
                    .as(spec.name()).isNotNull();
            assertThat(ModelSpecTest.class.getClassLoader().getResource(spec.tokenizerLocation().substring("classpath:".length())))
                    .as(spec.name()).isNotNull();
        }
    }

    @Test
    void layoutsHaveTheirModelsFileNames() {
        assertThat(Arrays.stream(Execution.values()).map(Execution::jsonName)).containsExactly("row", "batched");
        for (Execution e : Execution.values()) {
            assertThat(Execution.fromJson(e.jsonName())).isEqualTo(e);
        }
        assertThatThrownBy(() -> Execution.fromJson("ROW")).hasMessageContaining("row or batched");
        assertThatThrownBy(() -> new ModelSpec("x", "/m", "/t", 1, Pooling.MEAN, true, 1, 0, 0, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("execution");
    }
}

package dev.streaminfer.functions.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtProvider;
import dev.streaminfer.functions.inference.DeviceSelection.Preference;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

class DeviceSelectionTest {

    private static final Set<OrtProvider> CPU_ONLY = EnumSet.of(OrtProvider.CPU);
    private static final Set<OrtProvider> WITH_CUDA = EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);

    @Test
    void cpuIsCpuWhateverFlinkAssigned() {
        DeviceSelection.Selection s = DeviceSelection.select(Preference.CPU, Set.of(gpu("0")), WITH_CUDA);
        assertThat(s.device()).isEqualTo(ExecutionDevice.cpu());
        assertThat(s.degraded()).isFalse();
    }

    @Test
    void cudaRunsOnTheGpuFlinkAssigned() {
        DeviceSelection.Selection s = DeviceSelection.select(Preference.CUDA, Set.of(gpu("3")), WITH_CUDA);
        assertThat(s.device()).isEqualTo(ExecutionDevice.cuda(3));
        assertThat(s.reason()).contains("cuda:3");
    }

    @Test
    void autoRunsOnTheLowestAssignedGpu() {
        DeviceSelection.Selection s = DeviceSelection.select(Preference.AUTO, Set.of(gpu("2"), gpu("1")), WITH_CUDA);
        assertThat(s.device()).isEqualTo(ExecutionDevice.cuda(1));
    }

    @Test
    void withoutAnAssignedGpuItRunsOnCpuAndSaysWhy() {
        DeviceSelection.Selection cuda = DeviceSelection.select(Preference.CUDA, Set.of(), WITH_CUDA);
        assertThat(cuda.device()).isEqualTo(ExecutionDevice.cpu());
        assertThat(cuda.degraded()).isTrue();
        assertThat(cuda.reason()).contains("no GPU");

        DeviceSelection.Selection auto = DeviceSelection.select(Preference.AUTO, Set.of(), WITH_CUDA);
        assertThat(auto.device()).isEqualTo(ExecutionDevice.cpu());
        assertThat(auto.degraded()).isFalse();
    }

    @Test
    void withoutTheCudaProviderItRunsOnCpuAndSaysWhy() {
        DeviceSelection.Selection s = DeviceSelection.select(Preference.CUDA, Set.of(gpu("0")), CPU_ONLY);
        assertThat(s.device()).isEqualTo(ExecutionDevice.cpu());
        assertThat(s.degraded()).isTrue();
        assertThat(s.reason()).contains("-Pgpu");
    }

    @Test
    void aGpuWithoutAUsableIndexFallsBackToCpu() {
        assertThat(DeviceSelection.select(Preference.CUDA, Set.of(gpu("x")), WITH_CUDA).device())
                .isEqualTo(ExecutionDevice.cpu());
        assertThat(DeviceSelection.select(Preference.CUDA, Set.of(new FakeGpu(Map.of())), WITH_CUDA).device())
                .isEqualTo(ExecutionDevice.cpu());
    }

    @Test
    void parsesTheConfiguredDevice() {
        assertThat(Preference.parse(" CUDA ")).isEqualTo(Preference.CUDA);
        assertThat(Preference.parse("auto")).isEqualTo(Preference.AUTO);
        assertThatThrownBy(() -> Preference.parse("tpu")).hasMessageContaining("cpu, cuda or auto");
    }

    @Test
    void cudaSessionOptionsAskForTheCudaProvider() {
        // Without onnxruntime_gpu, asking for CUDA must fail loudly at session creation, not silently run on CPU.
        SessionSettings cuda = SessionSettings.defaults().on(ExecutionDevice.cuda(0));
        if (!ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            assertThatThrownBy(cuda::toSessionOptions).isInstanceOf(ai.onnxruntime.OrtException.class);
        }
    }

    private static ExternalResourceInfo gpu(String index) {
        return new FakeGpu(Map.of("index", index));
    }

    /** What Flink's GPU driver hands a task: one info per GPU with an {@code index} property. */
    private record FakeGpu(Map<String, String> properties) implements ExternalResourceInfo {
        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(properties.get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return properties.keySet();
        }
    }
}

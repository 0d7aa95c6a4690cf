package dev.streaminfer.sqlprovider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.inference.DeviceSelection;
import dev.streaminfer.sqlprovider.StreamInferModelOptions.ErrorHandling;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.junit.jupiter.api.Test;

class ModelSettingsTest {

    private static final ResolvedSchema TEXT_IN = ResolvedSchema.of(Column.physical("text", DataTypes.STRING()));
    private static final ResolvedSchema EMBEDDING_OUT =
            ResolvedSchema.of(Column.physical("embedding", DataTypes.ARRAY(DataTypes.FLOAT())));

    private static Configuration options(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return Configuration.fromMap(map);
    }

    private static ModelSettings settings(Configuration options, ResolvedSchema in, ResolvedSchema out) {
        return ModelSettings.from("cat.db.embedder", options, in, out, ModelRegistry.bundled());
    }

    @Test
    void defaultsAreTheJobsBatching() {
        ModelSettings s = settings(options("model", "all-minilm-l6-v2"), TEXT_IN, EMBEDDING_OUT);

        assertThat(s.spec()).isEqualTo(ModelRegistry.ALL_MINILM_L6_V2);
        assertThat(s.limits().maxTexts()).isEqualTo(32);
        assertThat(s.limits().maxTokens()).isEqualTo(8192);
        assertThat(s.limits().maxWaitMs()).isEqualTo(20);
        assertThat(s.paddedTokenBudget()).isEqualTo(1024);
        assertThat(s.threads()).isEqualTo(2);
        assertThat(s.intraOpThreads()).isEqualTo(1);
        assertThat(s.device()).isEqualTo(DeviceSelection.Preference.AUTO);
        assertThat(s.errorHandling()).isEqualTo(ErrorHandling.FAIL);
    }

    @Test
    void batchingOptionsAreRead() {
        ModelSettings s = settings(options("model", "bge-small-en-v15-q", "max-texts", "1", "max-tokens", "512",
                "max-wait", "0 ms", "threads", "3", "device", "cpu", "error-handling", "null"), TEXT_IN, EMBEDDING_OUT);

        assertThat(s.limits().maxTexts()).isEqualTo(1);
        assertThat(s.limits().maxTokens()).isEqualTo(512);
        assertThat(s.limits().maxWaitMs()).isZero();
        assertThat(s.threads()).isEqualTo(3);
        assertThat(s.device()).isEqualTo(DeviceSelection.Preference.CPU);
        assertThat(s.errorHandling()).isEqualTo(ErrorHandling.NULL);
    }

    @Test
    void anUnknownModelListsTheKnownOnes() {
        assertThatThrownBy(() -> settings(options("model", "gpt-7"), TEXT_IN, EMBEDDING_OUT))
                .isInstanceOf(ValidationException.class)
                .hasMessage("model cat.db.embedder: unknown model 'gpt-7' in option 'model'; known models:"
                        + " all-minilm-l6-v2-q, bge-small-en-v15-q, all-minilm-l6-v2, bge-small-en-v15");
    }

    @Test
    void theInputMustBeOneStringColumn() {
        ResolvedSchema twoColumns = ResolvedSchema.of(Column.physical("title", DataTypes.STRING()),
                Column.physical("body", DataTypes.STRING()));
        ResolvedSchema number = ResolvedSchema.of(Column.physical("n", DataTypes.INT()));

        assertThatThrownBy(() -> settings(options("model", "all-minilm-l6-v2"), twoColumns, EMBEDDING_OUT))
                .isInstanceOf(ValidationException.class)
                .hasMessage("model cat.db.embedder: provider 'streaminfer' needs INPUT to be one STRING column"
                        + " (the text to embed), got (title STRING, body STRING)");
        assertThatThrownBy(() -> settings(options("model", "all-minilm-l6-v2"), number, EMBEDDING_OUT))
                .hasMessageContaining("got (n INT)");
    }

    @Test
    void theOutputMustBeOneFloatArrayColumn() {
        ResolvedSchema doubles = ResolvedSchema.of(Column.physical("embedding", DataTypes.ARRAY(DataTypes.DOUBLE())));

        assertThatThrownBy(() -> settings(options("model", "all-minilm-l6-v2"), TEXT_IN, doubles))
                .isInstanceOf(ValidationException.class)
                .hasMessage("model cat.db.embedder: provider 'streaminfer' needs OUTPUT to be one ARRAY<FLOAT>"
                        + " column (the embedding), got (embedding ARRAY<DOUBLE>)");
    }

    @Test
    void limitsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> settings(options("model", "all-minilm-l6-v2", "max-texts", "0"), TEXT_IN,
                EMBEDDING_OUT))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("model cat.db.embedder: batch limits must be positive");
        assertThatThrownBy(() -> settings(options("model", "all-minilm-l6-v2", "threads", "0"), TEXT_IN,
                EMBEDDING_OUT))
                .isInstanceOf(ValidationException.class)
                .hasMessage("model cat.db.embedder: 'threads' and 'intra-op-threads' must be at least 1, got 0 and 1");
        assertThatThrownBy(() -> settings(options("model", "all-minilm-l6-v2", "device", "tpu"), TEXT_IN,
                EMBEDDING_OUT))
                .isInstanceOf(ValidationException.class)
                .hasMessage("model cat.db.embedder: option 'device': device must be cpu, cuda or auto, got: tpu");
    }
}

package dev.streaminfer.sqlprovider;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.batching.BatchLimits;
import dev.streaminfer.functions.inference.DeviceSelection;
import dev.streaminfer.sqlprovider.StreamInferModelOptions.ErrorHandling;
import java.io.Serializable;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * One {@code streaminfer} model as {@code CREATE MODEL} declared it, checked: the model exists,
 * the input is one string column, the output one {@code ARRAY<FLOAT>} column, the limits are in
 * range. Built where the statement is planned, shipped to the TaskManagers with the function.
 */
public record ModelSettings(
        ModelSpec spec,
        BatchLimits limits,
        int paddedTokenBudget,
        int threads,
        int intraOpThreads,
        DeviceSelection.Preference device,
        ErrorHandling errorHandling) implements Serializable {

    /**
     * Reads and checks the model's options against its schemas.
     *
     * @throws ValidationException saying what is wrong and what is accepted
     */
    public static ModelSettings from(String modelName, ReadableConfig options, ResolvedSchema input,
                                     ResolvedSchema output, ModelRegistry registry) {
        String name = options.get(StreamInferModelOptions.MODEL);
        ModelSpec spec = registry.find(name).orElseThrow(() -> new ValidationException("model " + modelName
                + ": unknown model '" + name + "' in option '" + StreamInferModelOptions.MODEL.key()
                + "'; known models: " + registry.all().stream().map(ModelSpec::name).collect(Collectors.joining(", "))));
        checkOneColumn(modelName, "INPUT", input, "one STRING column (the text to embed)",
                type -> type.is(LogicalTypeFamily.CHARACTER_STRING));
        checkOneColumn(modelName, "OUTPUT", output, "one ARRAY<FLOAT> column (the embedding)",
                type -> type instanceof ArrayType array && array.getElementType().is(LogicalTypeRoot.FLOAT));
        BatchLimits limits;
        try {
            limits = new BatchLimits(
                    spec.maxBatchTexts() > 0 ? spec.maxBatchTexts() : options.get(StreamInferModelOptions.MAX_TEXTS),
                    spec.maxBatchTokens() > 0 ? spec.maxBatchTokens() : options.get(StreamInferModelOptions.MAX_TOKENS),
                    options.get(StreamInferModelOptions.MAX_WAIT).toMillis());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("model " + modelName + ": " + e.getMessage());
        }
        int threads = options.get(StreamInferModelOptions.THREADS);
        int intraOp = options.get(StreamInferModelOptions.INTRA_OP_THREADS);
        if (threads < 1 || intraOp < 1) {
            throw new ValidationException("model " + modelName + ": '" + StreamInferModelOptions.THREADS.key()
                    + "' and '" + StreamInferModelOptions.INTRA_OP_THREADS.key() + "' must be at least 1, got "
                    + threads + " and " + intraOp);
        }
        DeviceSelection.Preference device;
        try {
            device = DeviceSelection.Preference.parse(options.get(StreamInferModelOptions.DEVICE));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("model " + modelName + ": option '" + StreamInferModelOptions.DEVICE.key()
                    + "': " + e.getMessage());
        }
        return new ModelSettings(spec, limits, options.get(StreamInferModelOptions.PADDED_TOKEN_BUDGET), threads,
                intraOp, device, options.get(StreamInferModelOptions.ERROR_HANDLING));
    }

    private interface TypeCheck {
        boolean accepts(LogicalType type);
    }

    private static void checkOneColumn(String modelName, String side, ResolvedSchema schema, String expected,
                                       TypeCheck check) {
        List<Column> columns = schema.getColumns();
        if (columns.size() != 1 || !check.accepts(columns.get(0).getDataType().getLogicalType())) {
            throw new ValidationException("model " + modelName + ": provider 'streaminfer' needs " + side + " to be "
                    + expected + ", got (" + columns.stream()
                            .map(c -> c.getName() + " " + c.getDataType().getLogicalType().asSummaryString())
                            .collect(Collectors.joining(", ")) + ")");
        }
    }
}

package dev.streaminfer.sqlprovider;

import dev.streaminfer.contract.registry.ModelRegistry;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;

/**
 * The Flink SQL model provider {@value #IDENTIFIER}, found through Flink's factory discovery
 * ({@code META-INF/services/org.apache.flink.table.factories.Factory}):
 * <pre>{@code
 * CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)
 *   WITH ('provider' = 'streaminfer', 'model' = 'all-minilm-l6-v2');
 * SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder, DESCRIPTOR(text));
 * }</pre>
 * Options: {@link StreamInferModelOptions}; they are checked when a statement using the model is
 * planned ({@link ModelSettings#from}).
 */
public final class StreamInferModelProviderFactory implements ModelProviderFactory {

    public static final String IDENTIFIER = "streaminfer";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(StreamInferModelOptions.MODEL);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return new LinkedHashSet<>(StreamInferModelOptions.OPTIONAL);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        ResolvedCatalogModel model = context.getCatalogModel();
        ModelRegistry registry;
        try {
            registry = ModelRegistry.resolve(Optional.ofNullable(options.get(StreamInferModelOptions.MODELS_FILE)),
                    System.getenv());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("model " + context.getObjectIdentifier().asSummaryString() + ": "
                    + e.getMessage(), e);
        }
        ModelSettings settings = ModelSettings.from(context.getObjectIdentifier().asSummaryString(), options,
                model.getResolvedInputSchema(), model.getResolvedOutputSchema(), registry);
        return new Provider(settings);
    }

    /** Gives ML_PREDICT the batched asynchronous function (there is no synchronous one). */
    static final class Provider implements AsyncPredictRuntimeProvider {
        private final ModelSettings settings;

        Provider(ModelSettings settings) {
            this.settings = settings;
        }

        @Override
        public AsyncPredictFunction createAsyncPredictFunction(ModelProvider.Context context) {
            return new EmbeddingPredictFunction(settings);
        }

        @Override
        public ModelProvider copy() {
            return new Provider(settings);
        }
    }
}

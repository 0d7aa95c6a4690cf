package dev.streaminfer.functions.batching;

import static dev.streaminfer.functions.batching.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole batched path on a MiniCluster (parallelism 2), real models, bounded source. */
class BatchedInferenceITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @Test
    void everyRequestEndsExactlyOnceWithItsOwnOutcome() throws Exception {
        List<InferenceRequest> requests = new ArrayList<>();
        long farFuture = System.currentTimeMillis() + 600_000;
        for (int i = 0; i < 40; i++) {
            requests.add(request("r" + i).model(i % 4 == 0 ? Requests.BGE : Requests.MINILM)
                    .inputs("text number " + i, "and a second one for " + i).tokens(12).deadline(farFuture).build());
        }
        requests.add(request("expired").deadline(1).build());
        requests.add(request("cancelled").deadline(farFuture).build());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        // The cancelled request comes late, so its cancel (a source of its own, in no set order with
        // the requests) certainly is there first: the batcher remembers it and takes the request on
        // arrival. MicroBatchOperatorTest covers the other orders.
        DataStream<InferenceRequest> admitted = env.fromData(TypeInformation.of(InferenceRequest.class),
                        requests.toArray(InferenceRequest[]::new))
                .map(r -> {
                    if (r.requestId().equals("cancelled")) {
                        Thread.sleep(2_000);
                    }
                    return r;
                }).returns(InferenceRequest.class);
        DataStream<CancelMarker> cancels = env.fromData(TypeInformation.of(CancelMarker.class),
                new CancelMarker("cancelled", "alice", System.currentTimeMillis()));
        BatchingSettings settings = BatchingSettings.defaults().withBatchLimits(8, 1_000, Duration.ofMillis(20));

        List<InferenceResult> results = new ArrayList<>();
        BatchedInference.apply(admitted, cancels, settings, ModelRegistry.bundled())
                .executeAndCollect().forEachRemaining(results::add);

        Map<String, InferenceResult> byId = results.stream()
                .collect(Collectors.toMap(InferenceResult::requestId, Function.identity())); // throws on a duplicate
        assertThat(byId).hasSize(requests.size());
        assertThat(byId.get("expired").status()).isEqualTo(RequestStatus.EXPIRED);
        assertThat(byId.get("cancelled").status()).isEqualTo(RequestStatus.CANCELLED);
        assertThat(byId.get("r1").status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(byId.get("r1").embeddings()).hasNumberOfRows(2);
        assertThat(byId.get("r1").embeddings()[0]).hasSize(384);
        assertThat(byId.values().stream().filter(r -> r.status() == RequestStatus.COMPLETED)).hasSize(40);
    }
}

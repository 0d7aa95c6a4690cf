package dev.streaminfer.functions.batching;

/** The fake used by the unit tests keeps the contract that Redis keeps. */
class TestingCancellationCheckTest extends CancellationCheckContract {

    private final BatchRunnerTest.TestingCancellationCheck fake = new BatchRunnerTest.TestingCancellationCheck();

    @Override
    CancellationCheck check() {
        return fake;
    }

    @Override
    void markCancelled(String requestId) {
        fake.cancel(requestId);
    }
}

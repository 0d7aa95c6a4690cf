package dev.streaminfer.api.auth;

class TestingKeyDirectoryTest extends KeyDirectoryContract {

    private final TestingKeyDirectory directory = new TestingKeyDirectory();

    @Override
    protected KeyDirectory directory() {
        return directory;
    }

    @Override
    protected void addKey(String plainKey, String userId, String role, String plan) {
        directory.add(plainKey, new Caller(userId, Role.fromWireName(role).orElseThrow(), plan));
    }

    @Override
    protected void revokeKey(String plainKey) {
        directory.revoke(plainKey);
    }
}

package io.kmqtt.auth.core;

import io.kmqtt.auth.store.CredentialStore;
import io.kmqtt.core.auth.AuthDecision;
import io.kmqtt.core.auth.AuthRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/** Users stored with one scheme, a broker checking with another: said once, with the setting to change. */
class CredentialAuthenticatorTest {

    private static final String SHA256_OF_123456 = "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92";

    private final List<String> warnings = new ArrayList<>();

    private CredentialAuthenticator authenticator(String scheme, Map<String, String> passwords) {
        CredentialStore store = new CredentialStore() {
            @Override
            public CompletionStage<StoredUser> find(String username, String clientId) {
                String stored = passwords.get(username);
                return CompletableFuture.completedFuture(stored == null ? null
                        : new StoredUser(username, stored, null, false, List.of()));
            }

            @Override
            public String describe() {
                return "test";
            }
        };
        return new CredentialAuthenticator(store, PasswordHashing.parse(scheme), Runnable::run, false, warnings::add);
    }

    private static AuthDecision login(CredentialAuthenticator a, String user, String password) {
        return a.authenticate(request(user, password)).toCompletableFuture().join();
    }

    private static AuthRequest request(String user, String password) {
        return new AuthRequest("client-" + user, user, password.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
    }

    @Test
    void plainPasswordsUnderSha256AreRefusedAndNamedOnce() {
        CredentialAuthenticator a = authenticator("sha256", Map.of("user7", "123456", "user8", "123456"));
        assertThat(login(a, "user7", "123456").outcome()).isEqualTo(AuthDecision.Outcome.BAD_CREDENTIALS);
        assertThat(login(a, "user8", "123456").outcome()).isEqualTo(AuthDecision.Outcome.BAD_CREDENTIALS);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("user 'user7'", "not a sha256 hash (64 hex characters)",
                "auth.password-hash=sha256 (AUTH_PASSWORD_HASH)");
    }

    @Test
    void aWrongPasswordAgainstAWellFormedHashIsNotAMismatch() {
        CredentialAuthenticator a = authenticator("sha256", Map.of("user7", SHA256_OF_123456));
        assertThat(login(a, "user7", "123456").outcome()).isEqualTo(AuthDecision.Outcome.ALLOW);
        assertThat(login(a, "user7", "wrong").outcome()).isEqualTo(AuthDecision.Outcome.BAD_CREDENTIALS);
        assertThat(warnings).isEmpty();
    }

    @Test
    void everySchemeKnowsTheShapeOfWhatItStores() {
        assertThat(PasswordHashing.parse("plain").looksLikeStoredHash("anything")).isTrue();
        assertThat(PasswordHashing.parse("md5").looksLikeStoredHash("e10adc3949ba59abbe56e057f20f883e")).isTrue();
        assertThat(PasswordHashing.parse("md5").looksLikeStoredHash(SHA256_OF_123456)).isFalse();
        assertThat(PasswordHashing.parse("sha256").looksLikeStoredHash(SHA256_OF_123456)).isTrue();
        assertThat(PasswordHashing.parse("sha256").looksLikeStoredHash("123456")).isFalse();
        assertThat(PasswordHashing.parse("salt,sha512").looksLikeStoredHash(SHA256_OF_123456)).isFalse();
        assertThat(PasswordHashing.parse("bcrypt").looksLikeStoredHash("$2a$10$abc")).isTrue();
        assertThat(PasswordHashing.parse("bcrypt").looksLikeStoredHash(SHA256_OF_123456)).isFalse();
        assertThat(PasswordHashing.parse("pbkdf2,sha256,1000,20").looksLikeStoredHash("ab".repeat(20))).isTrue();
    }
}

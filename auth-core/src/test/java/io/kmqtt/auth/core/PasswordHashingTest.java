package io.kmqtt.auth.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mindrot.jbcrypt.BCrypt;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Known vectors for every scheme of emq_auth_redis's auth.redis.password_hash. */
class PasswordHashingTest {

    private static final byte[] PASSWORD = "123456".getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "plain,  123456,",
            "md5,    e10adc3949ba59abbe56e057f20f883e,",
            "sha,    7c4a8d09ca3762af61e59520943dc26494f8941b,",
            "sha256, 8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92,",
            "sha512, ba3253876aed6bc22d4a6ff53d8406c6ad864195ed144ab5c87621b6c233b548baeae6956df346ec8c17f5ea10f35ee3cbc514797ed7ddd3145464e2a0bab413,",
            // sha256("salt" + "123456") and sha256("123456" + "salt")
            "'salt,sha256', 9898410d7f5045bc673db80c1a49b74f088fd7440037d8ce25c7d272a505bce5, salt",
            "'sha256,salt', e4d2f949a401c04e9cd0bd410e31d6f81b413974151fc458c18d2d186c379219, salt",
    })
    void verifiesKnownHashes(String spec, String stored, String salt) {
        PasswordHashing hashing = PasswordHashing.parse(spec);
        assertThat(hashing.verify(PASSWORD, stored, salt)).isTrue();
        assertThat(hashing.verify("1234567".getBytes(StandardCharsets.UTF_8), stored, salt)).isFalse();
        assertThat(hashing.hash(PASSWORD, salt == null ? "" : salt)).isEqualTo(stored);
    }

    @Test
    void bcryptChecksStandardHashes() {
        PasswordHashing hashing = PasswordHashing.parse("bcrypt");
        String stored = BCrypt.hashpw("123456", BCrypt.gensalt(4));
        assertThat(hashing.verify(PASSWORD, stored, null)).isTrue();
        assertThat(hashing.verify("nope".getBytes(StandardCharsets.UTF_8), stored, null)).isFalse();
        assertThat(hashing.verify(PASSWORD, "not-a-bcrypt-hash", null)).isFalse();
    }

    @Test
    void pbkdf2MatchesRfc6070StyleVectors() {
        // PBKDF2-HMAC-SHA1, password "password", salt "salt", 1 iteration, 20 bytes (RFC 6070)
        PasswordHashing sha1 = PasswordHashing.parse("pbkdf2,sha,1,20");
        assertThat(sha1.verify("password".getBytes(StandardCharsets.UTF_8), "0c60c80f961f0e71f3a9b524af6012062fe037a6", "salt")).isTrue();
        PasswordHashing sha256 = PasswordHashing.parse("pbkdf2,sha256,1000,20");
        String stored = sha256.hash(PASSWORD, "abc");
        assertThat(stored).hasSize(40);
        assertThat(sha256.verify(PASSWORD, stored, "abc")).isTrue();
        assertThat(sha256.verify(PASSWORD, stored, "abd")).isFalse();
    }

    @Test
    void rejectsUnknownSchemesWithTheAcceptedForms() {
        assertThatThrownBy(() -> PasswordHashing.parse("sha3")).hasMessageContaining("plain, md5, sha, sha256");
        assertThatThrownBy(() -> PasswordHashing.parse("pbkdf2,sha256,x,20")).hasMessageContaining("pbkdf2,<mac>");
    }

    @Test
    void missingPasswordNeverMatches() {
        assertThat(PasswordHashing.parse("plain").verify(null, "x", null)).isFalse();
        assertThat(PasswordHashing.parse("plain").verify(PASSWORD, null, null)).isFalse();
    }
}

package io.kmqtt.admin.security;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/** PBKDF2-HMAC-SHA256 hashing and constant-time checking of admin passwords and API secrets. */
public final class PasswordHasher {

    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHasher() {
    }

    public static String newSalt() {
        return randomToken(16);
    }

    /** A random URL-safe token of {@code bytes} random bytes. */
    public static String randomToken(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static String hash(String secret, String salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    iterations, 256);
            byte[] derived = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            return Base64.getEncoder().encodeToString(derived);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
    }

    public static boolean matches(String secret, Account account) {
        String candidate = hash(secret, account.salt(), account.iterations());
        return MessageDigest.isEqual(candidate.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                account.hash().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}

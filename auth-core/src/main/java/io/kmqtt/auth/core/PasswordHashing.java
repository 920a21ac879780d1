package io.kmqtt.auth.core;

import org.mindrot.jbcrypt.BCrypt;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Password hashing as emq_auth_redis configures it ({@code auth.password-hash}). Stored hashes are
 * lower-case hex, except bcrypt's own "$2a$..." strings. Comparison is constant-time.
 */
public final class PasswordHashing {

    enum SaltPosition { NONE, PREFIX, SUFFIX }

    private final String algorithm;     // plain, md5, sha, sha256, sha512, bcrypt, pbkdf2
    private final SaltPosition salt;
    private final String pbkdf2Mac;
    private final int pbkdf2Iterations;
    private final int pbkdf2KeyLength;
    private final String spec;

    private PasswordHashing(String spec, String algorithm, SaltPosition salt, String mac, int iterations, int keyLength) {
        this.spec = spec;
        this.algorithm = algorithm;
        this.salt = salt;
        this.pbkdf2Mac = mac;
        this.pbkdf2Iterations = iterations;
        this.pbkdf2KeyLength = keyLength;
    }

    /** Parses emq_auth_redis's syntax; fails with a message naming the accepted forms. */
    public static PasswordHashing parse(String spec) {
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split("\\s*,\\s*");
        try {
            if (parts[0].equals("pbkdf2") && parts.length == 4) {
                String mac = parts[1];
                if (!mac.matches("md4|md5|ripemd160|sha|sha224|sha256|sha384|sha512")) {
                    throw new IllegalArgumentException("unknown pbkdf2 mac " + mac);
                }
                return new PasswordHashing(spec, "pbkdf2", SaltPosition.NONE, mac, Integer.parseInt(parts[2]),
                        Integer.parseInt(parts[3]));
            }
            if (parts.length == 1) {
                return new PasswordHashing(spec, checkSimple(parts[0]), SaltPosition.NONE, null, 0, 0);
            }
            if (parts.length == 2 && parts[0].equals("salt")) {
                return new PasswordHashing(spec, checkSimple(parts[1]), SaltPosition.PREFIX, null, 0, 0);
            }
            if (parts.length == 2 && parts[1].equals("salt")) {
                return new PasswordHashing(spec, checkSimple(parts[0]), SaltPosition.SUFFIX, null, 0, 0);
            }
        } catch (IllegalArgumentException e) {
            // unknown name or a number that is not one: fall through to the error below
        }
        throw new IllegalArgumentException("auth.password-hash '" + spec + "' is not one of: plain, md5, sha, sha256,"
                + " sha512, bcrypt, salt,<hash>, <hash>,salt, pbkdf2,<mac>,<iterations>,<key length>");
    }

    private static String checkSimple(String name) {
        if (!name.matches("plain|md5|sha|sha256|sha512|bcrypt")) {
            throw new IllegalArgumentException("unknown hash " + name);
        }
        return name;
    }

    public String spec() {
        return spec;
    }

    /** True if the scheme reads a salt from the store (salted hashes and pbkdf2). */
    public boolean usesSalt() {
        return salt != SaltPosition.NONE || algorithm.equals("pbkdf2");
    }

    /**
     * Whether a stored value has the shape this scheme writes: hex of the digest's length for the
     * digests and pbkdf2, "$2..." for bcrypt, anything for plain. A wrong password never fails this;
     * a user stored with another scheme usually does (a seed password "123456" is not 64 hex
     * characters), which is how a broker configured with the wrong {@code auth.password-hash} is told
     * apart from a client with the wrong password.
     */
    public boolean looksLikeStoredHash(String stored) {
        if (stored == null) {
            return false;
        }
        return switch (algorithm) {
            case "plain" -> true;
            case "bcrypt" -> stored.startsWith("$2");
            default -> stored.length() == expectedHexLength() && stored.chars().allMatch(c -> Character.digit(c, 16) >= 0);
        };
    }

    /** What {@link #looksLikeStoredHash} expects, for a log line: "64 hex characters". */
    public String storedHashShape() {
        return switch (algorithm) {
            case "plain" -> "the password itself";
            case "bcrypt" -> "a bcrypt string starting with $2";
            default -> expectedHexLength() + " hex characters";
        };
    }

    private int expectedHexLength() {
        return switch (algorithm) {
            case "md5" -> 32;
            case "sha" -> 40;
            case "sha256" -> 64;
            case "sha512" -> 128;
            case "pbkdf2" -> 2 * pbkdf2KeyLength;
            default -> -1;
        };
    }

    /** Checks a presented password against the stored hash (and salt, where the scheme has one). */
    public boolean verify(byte[] presented, String stored, String storedSalt) {
        if (presented == null || stored == null) {
            return false;
        }
        if (algorithm.equals("bcrypt")) {
            try {
                return BCrypt.checkpw(new String(presented, StandardCharsets.UTF_8), stored);
            } catch (IllegalArgumentException notABcryptHash) {
                return false;
            }
        }
        String expected = hash(presented, storedSalt == null ? "" : storedSalt);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), stored.getBytes(StandardCharsets.UTF_8));
    }

    /** Hashes a password for storage, with the given salt (ignored by unsalted schemes). */
    public String hash(byte[] password, String saltValue) {
        return switch (algorithm) {
            case "plain" -> new String(password, StandardCharsets.UTF_8);
            case "bcrypt" -> BCrypt.hashpw(new String(password, StandardCharsets.UTF_8), BCrypt.gensalt(10));
            case "pbkdf2" -> pbkdf2(password, saltValue);
            default -> HexFormat.of().formatHex(digest(salted(password, saltValue)));
        };
    }

    /** A fresh random salt, hex. */
    public static String newSalt() {
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private byte[] salted(byte[] password, String saltValue) {
        byte[] s = saltValue.getBytes(StandardCharsets.UTF_8);
        return switch (salt) {
            case NONE -> password;
            case PREFIX -> concat(s, password);
            case SUFFIX -> concat(password, s);
        };
    }

    private byte[] digest(byte[] input) {
        String jca = switch (algorithm) {
            case "md5" -> "MD5";
            case "sha" -> "SHA-1";
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> throw new IllegalStateException("not a digest: " + algorithm);
        };
        try {
            return MessageDigest.getInstance(jca).digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jca + " missing from this JVM", e);
        }
    }

    private String pbkdf2(byte[] password, String saltValue) {
        String jca = "PBKDF2WithHmac" + switch (pbkdf2Mac) {
            case "sha" -> "SHA1";
            case "sha224" -> "SHA224";
            case "sha256" -> "SHA256";
            case "sha384" -> "SHA384";
            case "sha512" -> "SHA512";
            default -> throw new IllegalArgumentException("pbkdf2 with " + pbkdf2Mac + " is not available on the JVM");
        };
        try {
            PBEKeySpec keySpec = new PBEKeySpec(new String(password, StandardCharsets.UTF_8).toCharArray(),
                    saltValue.getBytes(StandardCharsets.UTF_8), pbkdf2Iterations, pbkdf2KeyLength * 8);
            return HexFormat.of().formatHex(SecretKeyFactory.getInstance(jca).generateSecret(keySpec).getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("pbkdf2 failed", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

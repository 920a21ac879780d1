package io.kmqtt.admin.security;

/**
 * A credential of the admin API: an operator ({@code user}) or an API key ({@code key}, whose name
 * is the key id and whose secret was shown once at creation). Only a PBKDF2 hash of the password
 * or secret is stored.
 *
 * @param expiresAt epoch millis after which it is refused, 0 for never
 */
public record Account(Type type, String name, Role role, String salt, int iterations, String hash, long createdAt,
                      long expiresAt, String description) {

    public enum Type { USER, KEY }

    /** {@code administrator} may do everything; {@code viewer} may only read (GET). */
    public enum Role { ADMINISTRATOR, VIEWER }

    public String key() {
        return key(type, name);
    }

    public static String key(Type type, String name) {
        return type.name().toLowerCase(java.util.Locale.ROOT) + ":" + name;
    }

    public boolean expired(long now) {
        return expiresAt != 0 && now >= expiresAt;
    }
}

package io.kmqtt.core.auth;

/**
 * The credential store a gateway authenticates against, or none. Without one, only anonymous
 * clients can connect, and only if anonymous access is on.
 *
 * @param description for the start-up log, e.g. "Redis at redis://host:6379"
 * @param authenticator the store, null when none is configured
 */
public record AuthBackend(String description, Authenticator authenticator) {

    public static AuthBackend none() {
        return new AuthBackend("none", null);
    }

    public boolean configured() {
        return authenticator != null;
    }
}

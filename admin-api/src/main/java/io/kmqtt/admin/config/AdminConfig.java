package io.kmqtt.admin.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * The admin API's configuration. Every property can be set through the environment:
 * {@code admin.bootstrap-username} is {@code ADMIN_BOOTSTRAP_USERNAME}.
 */
@ConfigMapping(prefix = "admin")
public interface AdminConfig {

    /** The first administrator, created at start-up when no administrator exists yet. */
    @WithDefault("admin")
    String bootstrapUsername();

    /**
     * Its password. Unset: a random one is generated and printed once in the log. Set it in a
     * cluster, so that several admin-api instances starting together agree.
     */
    Optional<String> bootstrapPassword();

    /** Base URL of the auth-service, for /api/v1/users (proxied). Unset: that API answers 503. */
    Optional<String> authServiceUrl();

    UsersProxy usersProxy();

    interface UsersProxy {
        /**
         * Whether /api/v1/users is forwarded to the auth-service. Read when the application is built:
         * the standalone broker turns it off because the auth-service's own resource is in its JVM.
         */
        @WithDefault("true")
        boolean enabled();
    }

    /** A node whose last status is older than this is down, and the clients it held are not listed. */
    @WithDefault("15s")
    Duration nodeExpiry();

    /** Longest wait for a gateway's answer about one client (in-flight count, queue length). */
    @WithDefault("2s")
    Duration gatewayTimeout();

    /** How often entries of dead gateways and expired bans are removed. */
    @WithDefault("10s")
    Duration sweepInterval();

    /** Largest page size ({@code limit}) accepted. */
    @WithDefault("10000")
    int maxPageSize();

    /** PBKDF2-HMAC-SHA256 iterations for stored admin passwords and API secrets. */
    @WithDefault("100000")
    int passwordIterations();

    Monitor monitor();

    /** The history of the cluster's figures behind GET /api/v1/monitor (the dashboard's charts). */
    interface Monitor {
        /** How often the figures are sampled. */
        @WithDefault("5s")
        Duration interval();

        /** How long samples are kept. */
        @WithDefault("15m")
        Duration retention();
    }

    /** How long a verified credential is remembered, so that each request does not pay the PBKDF2 cost. */
    @WithDefault("60s")
    Duration credentialCache();
}

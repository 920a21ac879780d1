package io.kmqtt.gateway.auth;

import io.kmqtt.auth.core.CredentialAuthenticator;
import io.kmqtt.auth.store.RedisCredentialStore;
import io.kmqtt.core.auth.AuthBackend;
import io.kmqtt.gateway.config.GatewayConfig;
import io.quarkus.arc.DefaultBean;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The gateway's credential store when it runs on its own: Redis read by the gateway itself if
 * {@code mqtt.auth.redis.url} is set, else the remote auth-service if {@code mqtt.auth.service-url}
 * is set, else none. When the auth-service runs in the same JVM (the standalone broker), its own
 * AuthBackend replaces this default.
 */
@ApplicationScoped
public class GatewayAuthBackend {

    @Produces
    @Singleton
    @DefaultBean
    AuthBackend redisRemoteOrNone(GatewayConfig config, Vertx vertx) {
        GatewayConfig.Auth auth = config.auth();
        if (auth.redis().url().isPresent()) {
            return inProcess(vertx, auth.redis());
        }
        return auth.serviceUrl()
                .map(url -> new AuthBackend("auth-service at " + url + " (HTTP/" + auth.httpVersion() + ")",
                        new RemoteAuthenticator(vertx, url, auth.timeout(), auth.httpVersion(), auth.httpPoolSize())))
                .orElseGet(AuthBackend::none);
    }

    /** The auth-service's own decision code, on a Redis client of this gateway: no HTTP hop per CONNECT. */
    private static AuthBackend inProcess(Vertx vertx, GatewayConfig.Auth.Redis config) {
        String url = config.url().orElseThrow();
        Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url)
                .setMaxPoolSize(config.poolSize()).setMaxPoolWaiting(8192));
        String shown = url.replaceAll("//[^@/]*@", "//***@");
        RedisCredentialStore store = new RedisCredentialStore(vertx, redis, new RedisCredentialStore.Commands(config.authCmd(),
                config.superCmd(), config.aclCmd(), config.timeout()), shown);
        CredentialAuthenticator authenticator;
        try {
            authenticator = CredentialAuthenticator.create(store, config.passwordHash(), config.aclNomatch());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mqtt.auth.redis.password-hash / acl-nomatch: " + e.getMessage(), e);
        }
        return new AuthBackend("Redis at " + shown + " (in the gateway, passwords " + authenticator.passwordHash()
                + ", ACL no-match " + config.aclNomatch() + ")", authenticator);
    }
}

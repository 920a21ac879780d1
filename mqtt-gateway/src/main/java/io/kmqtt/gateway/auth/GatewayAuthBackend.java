package io.kmqtt.gateway.auth;

import io.kmqtt.core.auth.AuthBackend;
import io.kmqtt.gateway.config.GatewayConfig;
import io.quarkus.arc.DefaultBean;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The gateway's credential store when it runs on its own: the remote auth-service if
 * {@code mqtt.auth.service-url} is set, else none. When the auth-service runs in the same JVM (the
 * standalone broker), its own AuthBackend replaces this default.
 */
@ApplicationScoped
public class GatewayAuthBackend {

    @Produces
    @Singleton
    @DefaultBean
    AuthBackend remoteOrNone(GatewayConfig config, Vertx vertx) {
        return config.auth().serviceUrl()
                .map(url -> new AuthBackend("auth-service at " + url, new RemoteAuthenticator(vertx, url, config.auth().timeout())))
                .orElseGet(AuthBackend::none);
    }
}

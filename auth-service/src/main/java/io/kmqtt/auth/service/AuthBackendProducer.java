package io.kmqtt.auth.service;

import io.kmqtt.auth.config.AuthConfig;
import io.kmqtt.auth.core.CredentialAuthenticator;
import io.kmqtt.auth.metrics.AuthMetrics;
import io.kmqtt.auth.store.CredentialStore;
import io.kmqtt.auth.store.FileCredentialStore;
import io.kmqtt.auth.store.RedisCredentialStore;
import io.kmqtt.core.auth.AuthBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Chooses the credential store: Redis when {@code quarkus.redis.hosts} is set, else the users and
 * ACL files when {@code auth.users-file} is set, else none. In the standalone broker this bean
 * replaces the gateway's default (which calls a remote auth-service).
 */
@ApplicationScoped
public class AuthBackendProducer {

    private static final Logger LOG = Logger.getLogger(AuthBackendProducer.class);

    @Produces
    @Singleton
    AuthBackend authBackend(AuthConfig config, Vertx vertx, Instance<Redis> redis, MeterRegistry registry,
                            @ConfigProperty(name = "quarkus.redis.hosts") Optional<String> redisHosts) {
        CredentialStore store;
        AuthMetrics metrics;
        if (redisHosts.isPresent()) {
            metrics = new AuthMetrics(registry, "redis");
            AuthConfig.Redis commands = config.redis();
            store = metrics.timing(new RedisCredentialStore(vertx, redis.get(), new RedisCredentialStore.Commands(commands.authCmd(),
                    commands.superCmd(), commands.aclCmd(), commands.timeout()), redisHosts.get()));
        } else if (config.usersFile().isPresent()) {
            metrics = new AuthMetrics(registry, "file");
            store = metrics.timing(FileCredentialStore.load(config.usersFile().get(), config.aclFile().orElse(null)));
        } else {
            LOG.info("no credential store configured (set QUARKUS_REDIS_HOSTS or AUTH_USERS_FILE)");
            return AuthBackend.none();
        }
        CredentialAuthenticator authenticator;
        try {
            authenticator = CredentialAuthenticator.create(store, config.passwordHash(), config.aclNomatch());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auth.password-hash / auth.acl-nomatch: " + e.getMessage(), e);
        }
        LOG.infof("authenticating against %s, passwords hashed as %s, ACL no-match: %s", store.describe(),
                authenticator.passwordHash(), config.aclNomatch());
        return new AuthBackend(store.describe(), metrics.counting(authenticator));
    }
}

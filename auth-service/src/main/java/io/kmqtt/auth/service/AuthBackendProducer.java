package io.kmqtt.auth.service;

import io.kmqtt.auth.config.AuthConfig;
import io.kmqtt.auth.store.CredentialStore;
import io.kmqtt.auth.store.FileCredentialStore;
import io.kmqtt.auth.store.RedisCredentialStore;
import io.kmqtt.core.auth.AuthBackend;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

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
    AuthBackend authBackend(AuthConfig config, Instance<Redis> redis,
                            @ConfigProperty(name = "quarkus.redis.hosts") Optional<String> redisHosts) {
        CredentialStore store;
        if (redisHosts.isPresent()) {
            store = new RedisCredentialStore(redis.get(), config.redis(), redisHosts.get());
        } else if (config.usersFile().isPresent()) {
            store = FileCredentialStore.load(config.usersFile().get(), config.aclFile().orElse(null));
        } else {
            LOG.info("no credential store configured (set QUARKUS_REDIS_HOSTS or AUTH_USERS_FILE)");
            return AuthBackend.none();
        }
        if (!config.aclNomatch().equals("allow") && !config.aclNomatch().equals("deny")) {
            throw new IllegalArgumentException("auth.acl-nomatch must be 'allow' or 'deny': " + config.aclNomatch());
        }
        PasswordHashing hashing = PasswordHashing.parse(config.passwordHash());
        ExecutorService slowHashes = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
            Thread t = new Thread(r, "password-hashing");
            t.setDaemon(true);
            return t;
        });
        LOG.infof("authenticating against %s, passwords hashed as %s, ACL no-match: %s", store.describe(),
                hashing.spec(), config.aclNomatch());
        return new AuthBackend(store.describe(), new CredentialAuthenticator(store, hashing, slowHashes,
                config.aclNomatch().equals("allow")));
    }
}

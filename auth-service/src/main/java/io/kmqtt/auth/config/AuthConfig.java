package io.kmqtt.auth.config;

import io.kmqtt.auth.store.RedisCredentialStore;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Authentication and ACL settings, compatible with emq_auth_redis 2.x. Redis itself is the standard
 * {@code quarkus.redis.hosts} (env {@code QUARKUS_REDIS_HOSTS}); without it, the users and ACL files
 * are used. Every property has an environment variable: {@code auth.password-hash} is
 * {@code AUTH_PASSWORD_HASH}.
 */
@ConfigMapping(prefix = "auth")
public interface AuthConfig {

    /**
     * How stored passwords are hashed, in emq_auth_redis syntax: {@code plain}, {@code md5},
     * {@code sha}, {@code sha256}, {@code sha512}, {@code bcrypt}; with a salt as prefix
     * {@code salt,sha256} or suffix {@code sha256,salt}; or {@code pbkdf2,<mac>,<iterations>,<key length>}
     * such as {@code pbkdf2,sha256,1000,20}. Users created through the API are stored this way.
     */
    @WithDefault("sha256")
    String passwordHash();

    /** What a topic that no ACL rule matches gets: {@code deny} or {@code allow}. */
    @WithDefault("deny")
    String aclNomatch();

    Redis redis();

    interface Redis {
        /** Fetches the password (and salt, if salted) of user %u. */
        @WithDefault(RedisCredentialStore.DEFAULT_AUTH_CMD)
        String authCmd();

        /** Fetches the superuser flag ("1" means superuser). */
        @WithDefault(RedisCredentialStore.DEFAULT_SUPER_CMD)
        String superCmd();

        /** Fetches the ACL hash: field = topic filter, value = 1 subscribe, 2 publish, 3 both. */
        @WithDefault(RedisCredentialStore.DEFAULT_ACL_CMD)
        String aclCmd();

        /** Upper bound for one CONNECT's Redis calls; beyond it the answer is "server unavailable". */
        @WithDefault("2s")
        Duration timeout();
    }

    /** Users file for the no-Redis case: one {@code username:stored-password[:superuser]} per line. */
    Optional<Path> usersFile();

    /** ACL file for the no-Redis case, Mosquitto style: {@code user NAME}, {@code topic [read|write|readwrite] FILTER}, {@code pattern ...}. */
    Optional<Path> aclFile();
}

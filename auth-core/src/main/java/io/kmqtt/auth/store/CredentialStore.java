package io.kmqtt.auth.store;

import io.kmqtt.core.auth.AclRule;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** Where users live: Redis in production, files for a broker without Redis. */
public interface CredentialStore {

    /** A user as stored: the password hash, its salt, the superuser flag and ACL rules. */
    record StoredUser(String username, String passwordHash, String salt, boolean superuser, List<AclRule> rules) {
    }

    /**
     * Looks a user up. Completes with null if there is no such user; fails with
     * {@link StoreUnavailableException} if the store cannot be asked.
     */
    CompletionStage<StoredUser> find(String username, String clientId);

    /** For the start-up log. */
    String describe();
}

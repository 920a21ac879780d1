package io.kmqtt.auth.core;

import io.kmqtt.auth.store.CredentialStore;
import io.kmqtt.auth.store.StoreUnavailableException;
import io.kmqtt.core.auth.AuthDecision;
import io.kmqtt.core.auth.AuthDecision.Outcome;
import io.kmqtt.core.auth.AuthRequest;
import io.kmqtt.core.auth.Authenticator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Checks CONNECT credentials against a credential store. Slow hashes (bcrypt, pbkdf2) are verified
 * on a worker executor, never on the event loop that delivered the store's answer.
 */
public final class CredentialAuthenticator implements Authenticator {

    private static final Logger LOG = Logger.getLogger(CredentialAuthenticator.class);

    private final CredentialStore store;
    private final PasswordHashing hashing;
    private final Executor slowHashes;
    private final boolean allowOnNoMatch;
    private final Consumer<String> warn;
    private final AtomicBoolean schemeMismatchWarned = new AtomicBoolean();

    public CredentialAuthenticator(CredentialStore store, PasswordHashing hashing, Executor slowHashes,
                                   boolean allowOnNoMatch) {
        this(store, hashing, slowHashes, allowOnNoMatch, LOG::warn);
    }

    CredentialAuthenticator(CredentialStore store, PasswordHashing hashing, Executor slowHashes,
                            boolean allowOnNoMatch, Consumer<String> warn) {
        this.store = store;
        this.hashing = hashing;
        this.slowHashes = slowHashes;
        this.allowOnNoMatch = allowOnNoMatch;
        this.warn = warn;
    }

    /**
     * The authenticator the auth-service and an in-process gateway build from their configuration,
     * with a worker pool (one thread per core) for slow hashes.
     *
     * @param passwordHash {@code auth.password-hash} syntax, e.g. {@code sha256}
     * @param aclNomatch   {@code deny} or {@code allow}
     * @throws IllegalArgumentException for a hash or policy that is not one of those
     */
    public static CredentialAuthenticator create(CredentialStore store, String passwordHash, String aclNomatch) {
        if (!aclNomatch.equals("allow") && !aclNomatch.equals("deny")) {
            throw new IllegalArgumentException("the ACL no-match policy must be 'allow' or 'deny': " + aclNomatch);
        }
        PasswordHashing hashing = PasswordHashing.parse(passwordHash);
        ExecutorService slowHashes = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
            Thread t = new Thread(r, "password-hashing");
            t.setDaemon(true);
            return t;
        });
        return new CredentialAuthenticator(store, hashing, slowHashes, aclNomatch.equals("allow"));
    }

    /** The password hashing in force, for the start-up log. */
    public String passwordHash() {
        return hashing.spec();
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(AuthRequest request) {
        if (request.username() == null || request.username().isEmpty()) {
            return CompletableFuture.completedFuture(AuthDecision.refuse(Outcome.NOT_AUTHORIZED, "no username"));
        }
        CompletionStage<CredentialStore.StoredUser> found;
        try {
            found = store.find(request.username(), request.clientId());
        } catch (RuntimeException e) {
            found = CompletableFuture.failedFuture(e);
        }
        boolean slow = hashing.spec().startsWith("bcrypt") || hashing.spec().startsWith("pbkdf2");
        return (slow ? found.thenApplyAsync(user -> check(user, request), slowHashes) : found.thenApply(user -> check(user, request)))
                .exceptionally(CredentialAuthenticator::unavailable);
    }

    private AuthDecision check(CredentialStore.StoredUser user, AuthRequest request) {
        if (user == null) {
            return AuthDecision.refuse(Outcome.BAD_CREDENTIALS, "unknown user '" + request.username() + "'");
        }
        if (!hashing.verify(request.password(), user.passwordHash(), user.salt())) {
            warnIfStoredWithAnotherScheme(user);
            return AuthDecision.refuse(Outcome.BAD_CREDENTIALS, "wrong password for user '" + request.username() + "'");
        }
        return AuthDecision.allow(user.superuser(), user.rules(), allowOnNoMatch);
    }

    /**
     * Users loaded with one scheme and a broker configured with another refuse every client as
     * "wrong password", which looks like a client problem. Said once, naming the setting to change.
     */
    private void warnIfStoredWithAnotherScheme(CredentialStore.StoredUser user) {
        if (user.passwordHash() != null && !hashing.looksLikeStoredHash(user.passwordHash())
                && schemeMismatchWarned.compareAndSet(false, true)) {
            warn.accept("the stored password of user '" + user.username() + "' is not a " + hashing.spec()
                    + " hash (" + hashing.storedHashShape() + "): were the users stored with another scheme than"
                    + " auth.password-hash=" + hashing.spec() + " (AUTH_PASSWORD_HASH)? bin/load-users prints the"
                    + " scheme it wrote. Logged once.");
        }
    }

    private static AuthDecision unavailable(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof StoreUnavailableException) {
            return AuthDecision.refuse(Outcome.UNAVAILABLE, cause.getMessage());
        }
        return AuthDecision.refuse(Outcome.UNAVAILABLE, "authentication failed unexpectedly: " + cause);
    }
}

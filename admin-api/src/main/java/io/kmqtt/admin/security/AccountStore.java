package io.kmqtt.admin.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.state.TableListener;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The admin API's users and API keys, in the admins table (JSON values), shared by every admin-api
 * instance. Verifies credentials; a verified credential is remembered for a while (by a digest of
 * name, secret and stored hash) so that a script making many calls pays PBKDF2 once.
 */
public final class AccountStore implements TableListener {

    private static final Logger LOG = Logger.getLogger(AccountStore.class);
    private static final int MAX_CACHED = 10_000;

    private final ObjectMapper json;
    private final ReplicatedTable table;
    private final int iterations;
    private final long cacheMillis;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, Long> verified = new ConcurrentHashMap<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);

    public AccountStore(ObjectMapper json, ReplicatedTable table, int iterations, long cacheMillis) {
        this.json = json;
        this.table = table;
        this.iterations = iterations;
        this.cacheMillis = cacheMillis;
    }

    @Override
    public void onPut(String key, byte[] value) {
        try {
            accounts.put(key, json.readValue(value, Account.class));
        } catch (IOException e) {
            LOG.warnf("admin account '%s' skipped: %s", key, e.getMessage());
        }
    }

    @Override
    public void onRemove(String key) {
        accounts.remove(key);
    }

    @Override
    public void onCaughtUp() {
        caughtUp.countDown();
    }

    public boolean awaitCaughtUp(long millis) throws InterruptedException {
        return caughtUp.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The account these credentials (a username or API key, and its password or secret) belong to. */
    public Optional<Account> verify(String name, String secret) {
        long now = System.currentTimeMillis();
        for (Account.Type type : Account.Type.values()) {
            Account account = accounts.get(Account.key(type, name));
            if (account == null || account.expired(now)) {
                continue;
            }
            String digest = digest(name, secret, account.hash());
            Long until = verified.get(digest);
            if (until != null && until > now) {
                return Optional.of(account);
            }
            if (PasswordHasher.matches(secret, account)) {
                if (verified.size() > MAX_CACHED) {
                    verified.clear();
                }
                verified.put(digest, now + cacheMillis);
                return Optional.of(account);
            }
        }
        return Optional.empty();
    }

    public Optional<Account> find(Account.Type type, String name) {
        return Optional.ofNullable(accounts.get(Account.key(type, name)));
    }

    public List<Account> list(Account.Type type) {
        List<Account> result = new ArrayList<>();
        accounts.values().forEach(a -> {
            if (a.type() == type) {
                result.add(a);
            }
        });
        result.sort(java.util.Comparator.comparing(Account::name));
        return result;
    }

    public boolean hasAdministrator() {
        return accounts.values().stream().anyMatch(a -> a.type() == Account.Type.USER && a.role() == Account.Role.ADMINISTRATOR);
    }

    /** Stores a new or changed account with this secret; waits until Kafka has it (admin calls are rare). */
    public Account save(Account.Type type, String name, String secret, Account.Role role, long expiresAt, String description) {
        Account existing = accounts.get(Account.key(type, name));
        String salt = secret == null ? existing.salt() : PasswordHasher.newSalt();
        String hash = secret == null ? existing.hash() : PasswordHasher.hash(secret, salt, iterations);
        int rounds = secret == null ? existing.iterations() : iterations;
        Account account = new Account(type, name, role, salt, rounds, hash,
                existing == null ? System.currentTimeMillis() : existing.createdAt(), expiresAt, description);
        try {
            table.put(account.key(), json.writeValueAsBytes(account)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not store admin account '" + name + "': " + e.getMessage(), e);
        }
        accounts.put(account.key(), account); // visible to this instance at once, before the table echoes it
        return account;
    }

    public void delete(Account account) {
        try {
            table.remove(account.key()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not delete admin account '" + account.name() + "': " + e.getMessage(), e);
        }
        accounts.remove(account.key());
    }

    private static String digest(String name, String secret, String hash) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(secret.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(hash.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

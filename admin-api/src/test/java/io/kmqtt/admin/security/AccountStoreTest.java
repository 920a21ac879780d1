package io.kmqtt.admin.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmqtt.admin.security.Account.Role;
import io.kmqtt.admin.security.Account.Type;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.InMemoryTable;
import io.kmqtt.core.state.TableListener;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AccountStoreTest {

    private static final long HOUR = 3_600_000;

    private final InMemoryTable table = new InMemoryTable(ClusterTable.ADMINS);
    private final AccountStore store = follow(new AccountStore(new ObjectMapper(), table, 1000, HOUR));

    private AccountStore follow(AccountStore s) {
        table.follow(s);
        return s;
    }

    private Account saveUser(String name, String secret, Role role) {
        return store.save(Type.USER, name, secret, role, 0, "");
    }

    @Test
    void verifiesTheRightSecret() {
        Account saved = saveUser("alice", "s3cret-ü", Role.ADMINISTRATOR);
        assertThat(store.verify("alice", "s3cret-ü")).contains(saved);
    }

    @Test
    void refusesAWrongSecret() {
        saveUser("alice", "s3cret", Role.ADMINISTRATOR);
        assertThat(store.verify("alice", "S3cret")).isEmpty();
        assertThat(store.verify("alice", "")).isEmpty();
    }

    @Test
    void refusesAnUnknownName() {
        saveUser("alice", "s3cret", Role.ADMINISTRATOR);
        assertThat(store.verify("bob", "s3cret")).isEmpty();
    }

    @Test
    void refusesAnExpiredAccount() {
        store.save(Type.USER, "old", "pw", Role.VIEWER, System.currentTimeMillis() - 1, "");
        assertThat(store.verify("old", "pw")).isEmpty();
    }

    @Test
    void acceptsAnAccountBeforeItExpires() {
        store.save(Type.KEY, "k", "pw", Role.VIEWER, System.currentTimeMillis() + HOUR, "");
        assertThat(store.verify("k", "pw")).isPresent();
    }

    @Test
    void refusesAnAccountThatExpiredAfterItWasVerified() {
        saveUser("alice", "pw", Role.VIEWER);
        assertThat(store.verify("alice", "pw")).isPresent();
        store.save(Type.USER, "alice", null, Role.VIEWER, System.currentTimeMillis() - 1, "");
        assertThat(store.verify("alice", "pw")).isEmpty();
    }

    @Test
    void aKeyAndAUserWithDifferentNamesBothVerify() {
        Account user = saveUser("alice", "user-pw", Role.VIEWER);
        Account key = store.save(Type.KEY, "key-1", "key-secret", Role.ADMINISTRATOR, 0, "ci");
        assertThat(store.verify("alice", "user-pw")).contains(user);
        assertThat(store.verify("key-1", "key-secret")).contains(key);
        assertThat(store.verify("key-1", "user-pw")).isEmpty();
        assertThat(store.verify("alice", "key-secret")).isEmpty();
    }

    @Test
    void hasAdministratorOnlyWithAnAdministratorUser() {
        assertThat(store.hasAdministrator()).isFalse();
        saveUser("viewer", "pw", Role.VIEWER);
        store.save(Type.KEY, "admin-key", "pw", Role.ADMINISTRATOR, 0, "");
        assertThat(store.hasAdministrator()).isFalse();
        saveUser("root", "pw", Role.ADMINISTRATOR);
        assertThat(store.hasAdministrator()).isTrue();
    }

    @Test
    void deletedAccountNoLongerVerifies() {
        Account a = saveUser("alice", "pw", Role.ADMINISTRATOR);
        assertThat(store.verify("alice", "pw")).isPresent();
        store.delete(a);
        assertThat(store.verify("alice", "pw")).isEmpty();
        assertThat(store.find(Type.USER, "alice")).isEmpty();
        assertThat(store.hasAdministrator()).isFalse();
    }

    @Test
    void changedPasswordInvalidatesTheOldOne() {
        saveUser("alice", "old-pw", Role.ADMINISTRATOR);
        assertThat(store.verify("alice", "old-pw")).isPresent(); // now cached
        saveUser("alice", "new-pw", Role.ADMINISTRATOR);
        assertThat(store.verify("alice", "old-pw")).isEmpty();
        assertThat(store.verify("alice", "new-pw")).isPresent();
    }

    @Test
    void changedPasswordInvalidatesTheOldOneOnAnotherInstance() {
        AccountStore other = follow(new AccountStore(new ObjectMapper(), table, 1000, HOUR));
        saveUser("alice", "old-pw", Role.ADMINISTRATOR);
        assertThat(other.verify("alice", "old-pw")).isPresent(); // cached there
        saveUser("alice", "new-pw", Role.ADMINISTRATOR);
        assertThat(other.verify("alice", "old-pw")).isEmpty();
        assertThat(other.verify("alice", "new-pw")).isPresent();
    }

    @Test
    void savingWithoutASecretKeepsThePasswordAndCreationTime() {
        Account first = saveUser("alice", "pw", Role.ADMINISTRATOR);
        Account changed = store.save(Type.USER, "alice", null, Role.VIEWER, 0, "demoted");
        assertThat(changed.createdAt()).isEqualTo(first.createdAt());
        assertThat(changed.hash()).isEqualTo(first.hash());
        assertThat(store.verify("alice", "pw")).contains(changed);
    }

    @Test
    void anotherInstanceReadsTheSavedAccountsFromTheTable() {
        Account saved = store.save(Type.KEY, "k", "secret", Role.VIEWER, 0, "ci key");
        AccountStore later = follow(new AccountStore(new ObjectMapper(), table, 1000, HOUR));
        assertThat(later.find(Type.KEY, "k")).contains(saved);
        assertThat(later.verify("k", "secret")).contains(saved);
    }

    @Test
    void theTableHoldsAHashNotTheSecret() {
        store.save(Type.USER, "alice", "plain-text-secret", Role.VIEWER, 0, "");
        Map<String, String> values = new HashMap<>();
        table.follow(new TableListener() {
            @Override
            public void onPut(String key, byte[] value) {
                values.put(key, new String(value, StandardCharsets.UTF_8));
            }

            @Override
            public void onRemove(String key) {
            }
        });
        assertThat(values).containsOnlyKeys("user:alice");
        assertThat(values.get("user:alice")).doesNotContain("plain-text-secret");
    }

    @Test
    void listsAccountsOfOneTypeByName() {
        saveUser("zoe", "pw", Role.VIEWER);
        saveUser("adam", "pw", Role.VIEWER);
        store.save(Type.KEY, "k", "pw", Role.VIEWER, 0, "");
        assertThat(store.list(Type.USER)).extracting(Account::name).containsExactly("adam", "zoe");
    }

    @Test
    void undecodableEntryIsSkipped() {
        store.onPut("user:bad", "not json".getBytes(StandardCharsets.UTF_8));
        assertThat(store.find(Type.USER, "bad")).isEmpty();
    }
}

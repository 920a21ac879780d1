package io.kmqtt.admin.state;

import io.kmqtt.core.state.BanRecord;
import io.kmqtt.core.state.BanRecord.Kind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BanDirectoryTest {

    private final BanDirectory bans = new BanDirectory();

    private BanRecord put(Kind kind, String value, long until) {
        BanRecord r = new BanRecord(kind, value, "r", "admin", 0, until);
        bans.onPut(r.key(), r.encode());
        return r;
    }

    @Test
    void findsABanByKindAndValue() {
        BanRecord r = put(Kind.USERNAME, "bob", 0);
        assertThat(bans.find(Kind.USERNAME, "bob")).contains(r);
        assertThat(bans.find(Kind.CLIENTID, "bob")).isEmpty();
    }

    @Test
    void listsBansSortedByKindAndValue() {
        put(Kind.USERNAME, "b", 0);
        put(Kind.CLIENTID, "z", 0);
        put(Kind.USERNAME, "a", 0);
        assertThat(bans.all()).extracting(BanRecord::key).containsExactly("clientid:z", "username:a", "username:b");
    }

    @Test
    void removedBanIsGone() {
        BanRecord r = put(Kind.PEERHOST, "10.0.0.1", 0);
        bans.onRemove(r.key());
        assertThat(bans.all()).isEmpty();
    }

    @Test
    void expiredKeysNamesOnlyBansPastTheirEnd() {
        BanRecord over = put(Kind.CLIENTID, "over", 1_000);
        put(Kind.CLIENTID, "later", 5_000);
        put(Kind.CLIENTID, "forever", 0);
        assertThat(bans.expiredKeys(1_000)).containsExactly(over.key());
    }

    @Test
    void undecodableBanIsSkipped() {
        bans.onPut("clientid:x", new byte[] {1, 42});
        assertThat(bans.all()).isEmpty();
    }
}

package io.kmqtt.core.state;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentSkipListMap;

import static org.assertj.core.api.Assertions.assertThat;

class TableMirrorTest {

    private static BanRecord ban(BanRecord.Kind kind, String value) {
        return new BanRecord(kind, value, "r", "admin", 1, 0);
    }

    @Test
    void mirrorsPutsAndRemovesInTheMapsOrderAndSkipsWhatDoesNotDecode() {
        TableMirror<BanRecord> mirror = new TableMirror<>(new ConcurrentSkipListMap<>(), BanRecord::decode, "ban");
        BanRecord b = ban(BanRecord.Kind.USERNAME, "bob");
        BanRecord a = ban(BanRecord.Kind.CLIENTID, "a1");
        mirror.onPut(b.key(), b.encode());
        mirror.onPut(a.key(), a.encode());
        mirror.onPut("clientid:broken", new byte[]{42});
        assertThat(mirror.entries().keySet()).containsExactly(a.key(), b.key());
        assertThat(mirror.entries().get(b.key())).isEqualTo(b);

        mirror.onRemove(a.key());
        mirror.onRemove("never:there");
        assertThat(mirror.entries().keySet()).containsExactly(b.key());
        assertThat(mirror.caughtUp()).isFalse();
        mirror.onCaughtUp();
        assertThat(mirror.caughtUp()).isTrue();
    }

    @Test
    void followsAnInMemoryTable() {
        InMemoryTable table = new InMemoryTable(ClusterTable.BANNED);
        BanRecord before = ban(BanRecord.Kind.PEERHOST, "10.0.0.1");
        table.put(before.key(), before.encode());
        TableMirror<BanRecord> mirror = new TableMirror<>(new ConcurrentSkipListMap<>(), BanRecord::decode, "ban");
        table.follow(mirror);
        BanRecord after = ban(BanRecord.Kind.CLIENTID, "late");
        table.put(after.key(), after.encode());
        assertThat(mirror.caughtUp()).isTrue();
        assertThat(mirror.entries()).containsOnlyKeys(before.key(), after.key());
    }
}

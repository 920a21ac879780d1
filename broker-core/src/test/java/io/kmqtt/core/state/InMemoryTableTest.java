package io.kmqtt.core.state;

import io.kmqtt.core.bus.MessageBus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryTableTest {

    /** Records every call as text, in order. */
    private static final class Recorder implements TableListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onPut(String key, byte[] value) {
            events.add("put " + key + "=" + new String(value, StandardCharsets.UTF_8));
        }

        @Override
        public void onRemove(String key) {
            events.add("remove " + key);
        }

        @Override
        public void onCaughtUp() {
            events.add("caught up");
        }
    }

    private final InMemoryTable table = new InMemoryTable(ClusterTable.NODES);

    private static byte[] v(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void reportsItsTable() {
        assertThat(table.table()).isEqualTo(ClusterTable.NODES);
    }

    @Test
    void followReplaysExistingEntriesThenCatchesUpThenDeliversLiveChanges() {
        table.put("a", v("1"));
        table.put("b", v("2"));
        table.put("a", v("3"));
        table.remove("b");
        Recorder r = new Recorder();
        table.follow(r);
        table.put("c", v("4"));
        table.remove("a");
        assertThat(r.events).containsExactly("put a=3", "caught up", "put c=4", "remove a");
    }

    @Test
    void followOfAnEmptyTableCatchesUpAtOnce() {
        Recorder r = new Recorder();
        table.follow(r);
        assertThat(r.events).containsExactly("caught up");
    }

    @Test
    void removeOfAMissingKeyDoesNotNotify() {
        Recorder r = new Recorder();
        table.follow(r);
        table.remove("missing");
        table.put("k", v("x"));
        table.remove("k");
        table.remove("k");
        assertThat(r.events).containsExactly("caught up", "put k=x", "remove k");
    }

    @Test
    void closingTheRegistrationStopsNotifications() {
        Recorder stopped = new Recorder();
        Recorder other = new Recorder();
        MessageBus.Registration registration = table.follow(stopped);
        table.follow(other);
        registration.close();
        table.put("k", v("x"));
        assertThat(stopped.events).containsExactly("caught up");
        assertThat(other.events).containsExactly("caught up", "put k=x");
    }

    @Test
    void writesCompleteAtOnce() {
        assertThat(table.put("k", v("x")).toCompletableFuture()).isCompleted();
        assertThat(table.remove("k").toCompletableFuture()).isCompleted();
    }
}

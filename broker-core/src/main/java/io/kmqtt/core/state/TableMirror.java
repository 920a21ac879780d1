package io.kmqtt.core.state;

import java.util.Map;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * A replicated table decoded into a map: each entry's value decoded once as it arrives, removed on
 * a tombstone. A value that does not decode is logged and skipped, never fatal. The map is the
 * caller's, so it decides the ordering (a skip list for sorted listings) and the thread-safety.
 *
 * @param <V> the decoded record
 */
public final class TableMirror<V> implements TableListener {

    private static final Logger LOG = Logger.getLogger(TableMirror.class.getName());

    private final Map<String, V> entries;
    private final Function<byte[], V> decoder;
    private final String what;
    private volatile boolean caughtUp;

    /**
     * @param entries a thread-safe map: written by the table's thread, read by any
     * @param decoder throws IllegalArgumentException for a value it cannot decode
     * @param what    what the records are, for log lines ("ban", "node status")
     */
    public TableMirror(Map<String, V> entries, Function<byte[], V> decoder, String what) {
        this.entries = entries;
        this.decoder = decoder;
        this.what = what;
    }

    @Override
    public void onPut(String key, byte[] value) {
        try {
            entries.put(key, decoder.apply(value));
        } catch (IllegalArgumentException e) {
            LOG.warning(what + " '" + key + "' skipped: " + e.getMessage());
        }
    }

    @Override
    public void onRemove(String key) {
        entries.remove(key);
    }

    @Override
    public void onCaughtUp() {
        caughtUp = true;
    }

    /** Every entry that existed when following began has arrived. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** The live map; do not modify it. */
    public Map<String, V> entries() {
        return entries;
    }
}

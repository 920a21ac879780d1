package io.kmqtt.admin.state;

import io.kmqtt.core.state.BanRecord;
import io.kmqtt.core.state.TableListener;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** The bans, from the banned table, sorted by kind and value. */
public final class BanDirectory implements TableListener {

    private static final Logger LOG = Logger.getLogger(BanDirectory.class);

    private final NavigableMap<String, BanRecord> bans = new ConcurrentSkipListMap<>();

    @Override
    public void onPut(String key, byte[] value) {
        try {
            bans.put(key, BanRecord.decode(value));
        } catch (IllegalArgumentException e) {
            LOG.warnf("ban '%s' skipped: %s", key, e.getMessage());
        }
    }

    @Override
    public void onRemove(String key) {
        bans.remove(key);
    }

    public Collection<BanRecord> all() {
        return bans.values();
    }

    public Optional<BanRecord> find(BanRecord.Kind kind, String value) {
        return Optional.ofNullable(bans.get(BanRecord.key(kind, value)));
    }

    public List<String> expiredKeys(long now) {
        List<String> expired = new ArrayList<>();
        bans.forEach((key, ban) -> {
            if (!ban.inForce(now)) {
                expired.add(key);
            }
        });
        return expired;
    }
}

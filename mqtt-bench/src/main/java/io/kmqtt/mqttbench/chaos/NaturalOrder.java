package io.kmqtt.mqttbench.chaos;

import java.util.Comparator;

/** Process names with their numbers in number order: gw-2 before gw-10. */
enum NaturalOrder implements Comparator<String> {
    INSTANCE;

    @Override
    public int compare(String a, String b) {
        String pa = a.replaceAll("\\d+$", "");
        String pb = b.replaceAll("\\d+$", "");
        int byPrefix = pa.compareTo(pb);
        if (byPrefix != 0 || pa.length() == a.length() || pb.length() == b.length()) {
            return byPrefix != 0 ? byPrefix : a.compareTo(b);
        }
        return Long.compare(Long.parseLong(a.substring(pa.length())), Long.parseLong(b.substring(pb.length())));
    }
}

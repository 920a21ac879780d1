package io.kmqtt.mqttbench.chaos;

/**
 * Where clients connect: a load balancer (name "lb") or one gateway, by the name its process has
 * (so that a client's gateway is known without asking the admin API).
 */
public record Endpoint(String name, String host, int port) {

    /** "host:port" or "name=host:port". */
    public static Endpoint parse(String text) {
        String name = "lb";
        String address = text;
        int eq = text.indexOf('=');
        if (eq >= 0) {
            name = text.substring(0, eq);
            address = text.substring(eq + 1);
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + text + "' is not host:port or name=host:port");
        }
        try {
            return new Endpoint(name, address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no port number");
        }
    }

    @Override
    public String toString() {
        return name + "=" + host + ":" + port;
    }
}

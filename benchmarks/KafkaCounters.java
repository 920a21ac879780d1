import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints a running Kafka broker's request counts by type and, per topic, records in, produce and
 * fetch requests (each a partition of a request), read over JMX from the broker's process. Run it
 * before and after a load and subtract. A single-file program, not part of the Maven build:
 *
 * <pre>java benchmarks/KafkaCounters.java $(cat run/cluster/pids/kafka) > before.txt</pre>
 */
public class KafkaCounters {

    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()))) {
            MBeanServerConnection server = jmx.getMBeanServerConnection();
            Map<String, Long> counts = new TreeMap<>();
            add(server, counts, "kafka.network:type=RequestMetrics,name=RequestsPerSec,*", "request", "req.");
            add(server, counts, "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=*", "topic", "in.");
            add(server, counts, "kafka.server:type=BrokerTopicMetrics,name=TotalProduceRequestsPerSec,topic=*", "topic", "produce.");
            add(server, counts, "kafka.server:type=BrokerTopicMetrics,name=TotalFetchRequestsPerSec,topic=*", "topic", "fetch.");
            counts.forEach((name, count) -> System.out.println(name + " " + count));
        } finally {
            vm.detach();
        }
    }

    /** Sums the Count of every MBean matching the pattern under prefix + its key property (request versions add up). */
    private static void add(MBeanServerConnection server, Map<String, Long> counts, String pattern, String key,
                            String prefix) throws Exception {
        for (ObjectName name : server.queryNames(new ObjectName(pattern), null)) {
            long count = ((Number) server.getAttribute(name, "Count")).longValue();
            counts.merge(prefix + name.getKeyProperty(key), count, Long::sum);
        }
    }
}

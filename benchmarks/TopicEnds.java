// Each topic's end offset, summed over its partitions: the records written to it since it was
// created (docs/benchmarks.md, "Fewer records and less waste per CONNECT"). Run it before and after
// a measured run and subtract:
//
//   java -cp "$(cat test-infra/target/classes/io/kmqtt/testinfra/kafka-server.classpath)" \
//       benchmarks/TopicEnds.java 127.0.0.1:30092

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

public class TopicEnds {

    public static void main(String[] args) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0]))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription topic : admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get().values()) {
                topic.partitions().forEach(p -> latest.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest()));
            }
            Map<String, Long> records = new TreeMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, end) -> records.merge(tp.topic(), end.offset(), Long::sum));
            records.forEach((topic, n) -> System.out.println(topic + " " + n));
        }
    }
}

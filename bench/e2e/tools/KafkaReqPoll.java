import com.sun.tools.attach.VirtualMachine;
import javax.management.*;
import javax.management.remote.*;
import java.util.*;

/**
 * The broker's own count of the requests it served, by API, once a second: epoch ms, then
 * request=count (kafka.network RequestMetrics RequestsPerSec Count, summed over versions).
 * Attaches to the local broker JVM by pid (same user), so no JMX port is needed:
 *
 *   java bench/e2e/tools/KafkaReqPoll.java $(bash deploy/local/stack.sh pids | awk '/kafka/{print $2}') [seconds] > poll.log
 *
 * It ends after `seconds` polls, or when stopped (Ctrl-C) without one.
 *
 * `node bench/e2e/tools/broker-requests.mjs poll.log bench.log` then prints, for each run
 * of the bench that counted its apps' requests ("kafka requests during … from <ms>"), the
 * broker's requests in the same window: the apps' and everything else's (the bench's
 * producer and lag sampler, the apps' kafkajs admin).
 */
public class KafkaReqPoll {
  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    String addr = vm.startLocalManagementAgent();
    try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(addr))) {
      MBeanServerConnection m = c.getMBeanServerConnection();
      ObjectName q = new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*");
      long polls = args.length > 1 ? Long.parseLong(args[1]) : Long.MAX_VALUE;
      for (long i = 0; i < polls; i++) {
        TreeMap<String, Long> out = new TreeMap<>();
        for (ObjectName n : m.queryNames(q, null)) {
          String req = n.getKeyProperty("request");
          out.merge(req, ((Number) m.getAttribute(n, "Count")).longValue(), Long::sum);
        }
        StringBuilder sb = new StringBuilder().append(System.currentTimeMillis());
        for (Map.Entry<String, Long> e : out.entrySet()) sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
        System.out.println(sb);
        System.out.flush();
        Thread.sleep(1000);
      }
    }
  }
}

package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What happens once per JVM when a user's program first uses icm-djl, each case in a fresh JVM
 * ({@link DjlStartupProbe}) without this build's DJL properties: no network connection unless
 * asked for, and PyTorch's threads as documented in {@link PyTorchThreads}.
 */
class DjlStartupTest {
  private static final String FIXTURES =
      ModelScorerContractTest.FIXTURES.toAbsolutePath().toString();

  private record Seen(List<String> connects, int intraOp, int interOp, String output) {}

  private static Seen run(String scenario, Map<String, String> properties) throws Exception {
    ChildJvm.Result r =
        ChildJvm.run(DjlStartupProbe.class, properties, List.of(scenario, FIXTURES), 300);
    assertThat(r.exitCode()).as(r.output()).isZero();
    Matcher c = Pattern.compile("(?m)^CONNECTS (\\d+)(.*)$").matcher(r.output());
    Matcher t = Pattern.compile("(?m)^THREADS (\\d+) (\\d+)$").matcher(r.output());
    assertThat(c.find() && t.find()).as(r.output()).isTrue();
    List<String> connects = List.of(c.group(2).strip().split(" ")).stream().filter(s -> !s.isEmpty()).toList();
    assertThat(connects).hasSize(Integer.parseInt(c.group(1)));
    return new Seen(connects, Integer.parseInt(t.group(1)), Integer.parseInt(t.group(2)), r.output());
  }

  @Test
  void djlAlone_probesTheEc2MetadataAddress_andUsesEveryCore() throws Exception {
    Seen djl = run("djl-only", Map.of());

    // the control: what icm-djl prevents, seen by the same probe
    assertThat(djl.connects()).as(djl.output()).isNotEmpty().allMatch(a -> a.equals("169.254.169.254:80"));
    assertThat(djl.intraOp()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void firstProgram_connectsNowhere_andRunsOneIntraOpThread() throws Exception {
    Seen first = run("icm4j", Map.of());

    assertThat(first.connects()).as(first.output()).isEmpty();
    assertThat(first.intraOp()).isEqualTo(PyTorchThreads.DEFAULT_INTRA_OP_THREADS);
    assertThat(first.interOp()).isEqualTo(PyTorchThreads.DEFAULT_INTER_OP_THREADS);
  }

  @Test
  void optingBackIn_withDjlsOwnSwitch_letsDjlProbe() throws Exception {
    Seen optedIn = run("icm4j", Map.of("OPT_OUT_TRACKING", "false"));

    assertThat(optedIn.connects()).as(optedIn.output()).contains("169.254.169.254:80");
  }

  @Test
  void threadsSetBeforeLoading_areKept() throws Exception {
    Seen set = run("set", Map.of());

    assertThat(set.intraOp()).isEqualTo(2);
    assertThat(set.interOp()).isEqualTo(1);
  }

  @Test
  void anotherInterOpCountAfterTheFirstModel_isRefusedWithTheReasonAndTheRemedy() throws Exception {
    Seen reset = run("reset", Map.of());

    assertThat(reset.output())
        .contains("REFUSED PyTorch's inter-op threads are 1")
        .contains("once per process")
        .contains("-Dai.djl.pytorch.num_interop_threads=2");
    assertThat(reset.interOp()).isEqualTo(1);
  }

  @Test
  void threadPropertiesTheUserSet_winOverSetAndTheDefaults() throws Exception {
    Seen property =
        run(
            "set",
            Map.of("ai.djl.pytorch.num_threads", "3", "ai.djl.pytorch.num_interop_threads", "2"));

    assertThat(property.intraOp()).isEqualTo(3);
    assertThat(property.interOp()).isEqualTo(2);
  }
}

package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldProbeTest {
  @TempDir Path dir;

  @Test
  void probe_reportsBaselinesAndTheMutualPredictabilityOfEveryRule() throws Exception {
    int vocab = SyntheticWorld.defaultWorld(42).vocabulary().size();
    try (BlockLm lm = BlockLm.create(new GptConfig(vocab, 256, 1, 2, 16, 32, 1), Device.cpu())) {
      lm.save(dir);
    }
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      WorldProbe.main(new String[] {dir.toString(), "42", "12"});
    } finally {
      System.setOut(old);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains("fact recall (argmax of the value after \"eN colour\"")
        .contains("zero-shot accuracy (truth)")
        .contains("many-shot, gold truth labels")
        .contains("many-shot, random labels")
        .contains("many-shot with value-set rule labels")
        .containsPattern("comparison task \\(\\d+ held-out claims, 12 context claims\\): zero-shot \\d\\.\\d{3}");
    for (String labeling : new String[] {"truth", "valueSet", "control", "random"}) {
      assertThat(out).containsPattern("mutual predictability .* of " + labeling + ": -?\\d+\\.\\d{3}");
    }
  }
}

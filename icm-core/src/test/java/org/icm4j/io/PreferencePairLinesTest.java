package org.icm4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.reward.PreferencePair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Jsonl#writePreferencePairs(Path, List)}: the pairs of {@link org.icm4j.reward.PreferencePairs}. */
class PreferencePairLinesTest {
  @TempDir Path dir;

  private static final Example RED = Example.of("q1/a", "e1 colour red :", "q1");
  private static final Example BLUE = Example.of("q1/b", "e1 colour blue :", "q1");

  @Test
  void writePreferencePairs_writesEachPairInOrderWithItsProbabilitiesWhenKnown() throws IOException {
    Path file = dir.resolve("pairs.jsonl");

    Jsonl.writePreferencePairs(
        file,
        List.of(new PreferencePair("q1", RED, BLUE, "ICM, seed 1", 0.75, 0.5), PreferencePair.of(BLUE, RED, "random")));

    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8))
        .containsExactly(
            "{\"group\":\"q1\",\"chosen_id\":\"q1/a\",\"chosen\":\"e1 colour red :\",\"rejected_id\":\"q1/b\","
                + "\"rejected\":\"e1 colour blue :\",\"source\":\"ICM, seed 1\",\"chosen_probability\":0.75,"
                + "\"rejected_probability\":0.5}",
            "{\"group\":\"q1\",\"chosen_id\":\"q1/b\",\"chosen\":\"e1 colour blue :\",\"rejected_id\":\"q1/a\","
                + "\"rejected\":\"e1 colour red :\",\"source\":\"random\"}");
  }

  @Test
  void writePreferencePairs_rejectsALoneSurrogateNamingThePairAndField_andWritesNothing() {
    Path file = dir.resolve("pairs.jsonl");
    Example bad = Example.of("q1/c", "e1 colour \ud800 :", "q1");

    assertThatThrownBy(() -> Jsonl.writePreferencePairs(file, List.of(PreferencePair.of(RED, bad, "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("q1: q1/a > q1/c")
        .hasMessageContaining("rejected");
    assertThat(file).doesNotExist();
  }
}

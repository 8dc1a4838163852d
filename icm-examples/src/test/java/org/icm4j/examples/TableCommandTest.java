package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table command on a tiny random-weight model: summary rows, determinism, bad options. */
class TableCommandTest {
  @TempDir static Path tmp;
  private static Path model;

  @BeforeAll
  static void tinyModel() {
    model = TinyWorldModel.save(tmp.resolve("tiny"), 5);
  }

  private static String run(int expectedCode, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("--block-model", model.toString(), "--tasks", "truth,control", "--seeds", "1,2,3",
                "--search", "paper", "--iterations", "3", "--chains", "1", "--train-claims", "8", "--test-claims", "4"));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Commands.execute(new TableCommand(), new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    assertThat(code).as(err.toString()).isEqualTo(expectedCode);
    return expectedCode == 0 ? out.toString() : err.toString();
  }

  @Test
  void summaryRow_isTheMeanAndSampleSdOfThePerRunRows_andParallelChangesNothing() {
    String one = run(0, "--parallel", "1");
    String two = run(0, "--parallel", "2");
    String table = one.substring(one.indexOf("| task |"));
    // everything but the wall-clock time of each run, which depends on the machine's load
    assertThat(withoutTimes(two.substring(two.indexOf("| task |")))).isEqualTo(withoutTimes(table));

    List<double[]> truthRuns = new ArrayList<>();
    String summary = null;
    for (String line : table.split("\n")) {
      if (line.startsWith("| truth | ")) {
        String[] cells = line.split("\\|");
        double[] v = new double[7];
        for (int c = 0; c < 7; c++) {
          v[c] = Double.parseDouble(cells[3 + c].trim());
        }
        truthRuns.add(v);
      } else if (line.startsWith("| truth (3 seeds)")) {
        summary = line;
      }
    }
    assertThat(truthRuns).hasSize(3);
    assertThat(table)
        .contains("| ICM labelled | ICM U | no-rules U | gold U | ICM starts at best | ICM queries per label"
            + " | ICM token-forwards per label | time |");
    assertThat(table).containsPattern("\\| \\d+ of \\d+ \\| \\d+\\.\\d \\| \\d+ \\| \\d+:\\d\\d:\\d\\d \\|");
    assertThat(table).containsPattern("\\| \\d+ of \\d+ \\| -?\\d+\\.\\d \\|");
    assertThat(summary).isNotNull();
    String[] cells = summary.split("\\|");
    for (int c = 0; c < 7; c++) {
      String[] meanSd = cells[2 + c].trim().split(" ± ");
      double mean = 0;
      for (double[] r : truthRuns) {
        mean += r[c] / 3;
      }
      double ss = 0;
      for (double[] r : truthRuns) {
        ss += (r[c] - mean) * (r[c] - mean);
      }
      // the per-run cells are rounded to 0.1, so allow for that
      assertThat(Double.parseDouble(meanSd[0])).as("mean of column %s", c).isCloseTo(mean, within(0.11));
      assertThat(Double.parseDouble(meanSd[1])).as("sd of column %s", c).isCloseTo(Math.sqrt(ss / 2), within(0.15));
    }
  }

  private static String withoutTimes(String table) {
    return table.replaceAll("\\| \\d+:\\d\\d:\\d\\d \\|", "| (time) |");
  }

  @Test
  void badOptions_exitWithUsage() {
    assertThat(run(DemoCommand.EXIT_USAGE, "--tasks", "sun")).contains("'sun'");
    assertThat(run(DemoCommand.EXIT_USAGE, "--parallel", "0")).contains("--parallel must be >= 1, but was 0");
  }

  @Test
  void humanArms_addTheirTable_andLeaveTheFirstUnchanged() {
    String plain = run(0, "--seeds", "1");
    String human = run(0, "--seeds", "1", "--human-arms", "--trusted", "2");
    String first = plain.substring(plain.indexOf("| task |"));
    assertThat(withoutTimes(human)).contains(withoutTimes(first.strip()));
    assertThat(human).contains("| task | many-shot, gold labels | annotators' accuracy (train) | many-shot, annotators' labels");
    // one row per run, 2 trusted labels of 2
    assertThat(human).containsPattern("\\| truth \\| 1 \\|( -?\\d+\\.\\d \\|){7} \\d of 2 \\|");
    assertThat(run(DemoCommand.EXIT_USAGE, "--human-arms", "--trusted", "8")).contains("--trusted must be in [1, 7]");
  }
}

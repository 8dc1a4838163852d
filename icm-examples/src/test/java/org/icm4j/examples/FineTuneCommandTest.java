package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fine-tuning command on a tiny random-weight model: its files, determinism, bad options. */
class FineTuneCommandTest {
  @TempDir static Path tmp;
  private static Path model;

  @BeforeAll
  static void tinyModel() {
    model = TinyWorldModel.save(tmp.resolve("tiny"), 5);
  }

  private static String[] run(int expectedCode, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("--block-model", model.toString(), "--seeds", "1,2", "--icm-batch", "4",
                "--held-out-pairs", "2", "--search", "paper", "--iterations", "3", "--chains", "1",
                "--epochs", "2"));
    args.addAll(List.of(extra));
    if (!args.contains("--pool-questions")) {
      args.addAll(List.of("--pool-questions", "8"));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        FineTuneCommand.execute(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    assertThat(code).as(err.toString()).isEqualTo(expectedCode);
    return new String[] {out.toString(), err.toString()};
  }

  @Test
  void writesTheTableTheRoundsAndThePlot_andParallelChangesNothing() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    String one = run(0, "--out", a.toString())[0];
    run(0, "--out", b.toString(), "--parallel", "2");
    assertThat(one)
        .contains("seed 1: 16 pool claims")
        .contains("iterative round 4:")
        .contains("| zero-shot (base) | fine-tuned, gold labels | fine-tuned, ICM labels |");
    assertThat(withoutTimes(Files.readString(b.resolve("table.md"))))
        .isEqualTo(withoutTimes(Files.readString(a.resolve("table.md"))));
    List<String> rounds = Files.readAllLines(a.resolve("rounds.csv"));
    assertThat(rounds).hasSize(1 + 2 * 4);
    assertThat(rounds.get(0)).startsWith("seed,round,");
    assertThat(Files.size(a.resolve("rounds.png"))).isPositive();
  }

  /** The table without its wall-clock columns (the last three cells of the per-seed rows). */
  private static String withoutTimes(String table) {
    return table.replaceAll("\\| \\d+:\\d\\d:\\d\\d ", "| ");
  }

  @Test
  void badOptionsExitWith2NamingThem() {
    assertThat(run(DemoCommand.EXIT_USAGE, "--pool-questions", "1000")[1])
        .contains("pool questions must be in [2, 470]");
    assertThat(run(DemoCommand.EXIT_USAGE, "--validation", "1")[1]).contains("validationShare must be in [0, 1)");
  }
}

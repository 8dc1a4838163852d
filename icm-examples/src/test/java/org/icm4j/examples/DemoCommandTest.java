package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.icm4j.io.Jsonl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job end to end on a tiny random-weight BlockLm of the world's vocabulary. */
class DemoCommandTest {
  @TempDir static Path tmp;
  private static Path model;

  private record Run(int code, String out, String err) {}

  @BeforeAll
  static void tinyModel() {
    model = tmp.resolve("tiny");
    int vocab = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED).vocabulary().size();
    try (BlockLm lm = BlockLm.create(new GptConfig(vocab, 256, 1, 2, 16, 32, 3), Device.cpu())) {
      lm.save(model);
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = DemoCommand.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void run_printsTheTable_andWritesLabelsCurveAndPlot() throws IOException {
    Path out = tmp.resolve("out");
    Run r =
        run("--block-model", model.toString(), "--search", "paper", "--iterations", "6", "--chains", "2",
            "--train-claims", "12", "--test-claims", "8", "--seed", "4", "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("task truth, seed 4: ICM labels 12 training claims")
        .contains("| zero-shot (test) |")
        .contains("| many-shot, random labels (test, mean of 3) |")
        .contains("| many-shot, gold labels (test) |")
        .contains("| many-shot, ICM labels (test) |")
        .contains("| ICM agreement with gold (the training claims it labelled) |")
        .containsPattern("ICM labelled \\d+ of the 12 training claims \\(without rules: \\d+\\)")
        .contains("| many-shot, labels of ICM without rules (test) |")
        .containsPattern("gold labels of the training claims \\(evaluation only, never seen by the search\\):"
            + " U -?\\d+\\.\\d\\d, P -?\\d\\.\\d{3}, I \\d+ with rules")
        .contains("the paper's annealing (6 iterations x 2 chains)")
        // the progress bar ends full
        .contains("] 100% ");
    // the labels are those of the 12 training claims the task draws with this seed
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    List<Example> train = world.truthTask(10, 4).examples().subList(0, 12);
    Labeling labels = Jsonl.readLabels(out.resolve("labels.jsonl"), LabelSpace.binary(), train);
    Set<String> ids = new HashSet<>();
    train.forEach(e -> ids.add(e.id()));
    assertThat(labels.asMap().keySet()).isSubsetOf(ids).isNotEmpty();
    // one curve line per iteration and chain of both runs, plus the header
    assertThat(Files.readAllLines(out.resolve("curve.csv"))).hasSize(1 + 24);
    BufferedImage png = ImageIO.read(out.resolve("plot.png").toFile());
    assertThat(png).isNotNull();
    assertThat(png.getWidth()).isGreaterThan(500);
    assertThat(Files.readString(out.resolve("table.md"))).contains("| many-shot, ICM labels (test) |");
  }

  @Test
  void defaultSearch_labelsEveryTrainingClaim_consistently() throws IOException {
    Path out = tmp.resolve("default");
    Run r =
        run("--block-model", model.toString(), "--train-claims", "12", "--test-claims", "8", "--seed", "4",
            "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("the default search (16 starts)")
        .contains("ICM labelled 12 of the 12 training claims (without rules: 12)")
        .containsPattern("ICM: U -?\\d+\\.\\d\\d, P -?\\d\\.\\d{3}, I 0;")
        .contains("] 100% ");
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    List<Example> train = world.truthTask(10, 4).examples().subList(0, 12);
    Labeling labels = Jsonl.readLabels(out.resolve("labels.jsonl"), LabelSpace.binary(), train);
    assertThat(labels.isComplete()).isTrue();
    assertThat(labels.size()).isEqualTo(12);
    // the curve of the default search is the best labeling so far: U never falls, and it ends at
    // the result that the run prints
    List<Double> u = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("curve.csv"))) {
      if (line.startsWith("icm,")) {
        u.add(Double.parseDouble(line.split(",")[3]));
      }
    }
    assertThat(u).hasSizeGreaterThan(1);
    for (int i = 1; i < u.size(); i++) {
      assertThat(u.get(i)).as("point %s of %s", i, u).isGreaterThanOrEqualTo(u.get(i - 1));
    }
    Matcher printed = Pattern.compile("ICM: U (-?\\d+\\.\\d\\d),").matcher(r.out());
    assertThat(printed.find()).as(r.out()).isTrue();
    assertThat(String.format(java.util.Locale.ROOT, "%.2f", u.get(u.size() - 1))).isEqualTo(printed.group(1));
  }

  @Test
  void sameSeed_sameLabels() throws IOException {
    String[] args = {"--block-model", model.toString(),
        "--train-claims", "8", "--test-claims", "4", "--task", "control", "--seed", "9"};
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    assertThat(run(concat(args, "--out", a.toString())).code()).isZero();
    assertThat(run(concat(args, "--out", b.toString())).code()).isZero();
    assertThat(Files.readString(a.resolve("labels.jsonl"))).isEqualTo(Files.readString(b.resolve("labels.jsonl")));
  }

  @Test
  void scoreMemo_changesNeitherLabelsNorCurve_onlyTheScorerCalls() throws IOException {
    String[] args = {"--block-model", model.toString(), "--search", "paper", "--iterations", "20",
        "--chains", "2", "--train-claims", "8", "--test-claims", "4", "--seed", "3"};
    Path on = tmp.resolve("memo-on");
    Path off = tmp.resolve("memo-off");
    Run withMemo = run(concat(args, "--out", on.toString()));
    Run withoutMemo = run(concat(args, "--out", off.toString(), "--score-memo", "0"));
    assertThat(withMemo.code()).as(withMemo.err()).isZero();
    assertThat(withoutMemo.code()).as(withoutMemo.err()).isZero();
    assertThat(Files.readString(on.resolve("labels.jsonl"))).isEqualTo(Files.readString(off.resolve("labels.jsonl")));
    assertThat(Files.readString(on.resolve("curve.csv"))).isEqualTo(Files.readString(off.resolve("curve.csv")));
    assertThat(scorerCalls(withMemo)).isLessThan(scorerCalls(withoutMemo));
  }

  /** The call count of the {@code scorer:} line. */
  private static long scorerCalls(Run r) {
    Matcher m = Pattern.compile("scorer: (\\d+) calls").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void badOptions_exitWithUsage_quotingTheValue() {
    Run task = run("--task", "poems");
    assertThat(task.code()).isEqualTo(DemoCommand.EXIT_USAGE);
    assertThat(task.err()).contains("'poems'").contains("truth, comparison or control");
    Run odd = run("--train-claims", "7");
    assertThat(odd.code()).isEqualTo(DemoCommand.EXIT_USAGE);
    assertThat(odd.err()).contains("even number").contains("7");
    Run big = run("--train-claims", "150", "--test-claims", "64");
    assertThat(big.code()).isEqualTo(DemoCommand.EXIT_USAGE);
    assertThat(big.err()).contains("192 claims").contains("150 training + 64 test");
    Run both = run("--block-model", model.toString(), "--model-dir", model.toString());
    assertThat(both.code()).isEqualTo(DemoCommand.EXIT_USAGE);
    assertThat(both.err()).contains("not both");
    Run memo = run("--score-memo", "-1");
    assertThat(memo.code()).isEqualTo(DemoCommand.EXIT_USAGE);
    assertThat(memo.err()).contains("score memo").contains("-1");
    Run annealingOption = run("--iterations", "5");
    assertThat(annealingOption.code()).isEqualTo(DemoCommand.EXIT_USAGE);
    assertThat(annealingOption.err()).contains("--iterations").contains("--search paper");
    Run search = run("--search", "greedy");
    assertThat(search.code()).isEqualTo(DemoCommand.EXIT_USAGE);
    assertThat(search.err()).contains("'greedy'").contains("default or paper");
  }

  @Test
  void missingModelDirectory_failsNamingIt() {
    Run r = run("--block-model", tmp.resolve("nowhere").toString(), "--out", tmp.resolve("o").toString());
    assertThat(r.code()).isEqualTo(DemoCommand.EXIT_RUN_FAILED);
    assertThat(r.err()).contains("nowhere");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.train.Corpus;
import org.icm4j.djl.train.LmTrainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

  /** Repeats 0 1 2 ... 7 from a random phase: the next token is always determined. */
  static final class PatternCorpus implements Corpus {
    @Override
    public int vocabularySize() {
      return 16;
    }

    @Override
    public long[] window(SplittableRandom rng, int length) {
      int phase = rng.nextInt(8);
      long[] w = new long[length];
      for (int i = 0; i < length; i++) {
        w[i] = (phase + i) % 8;
      }
      return w;
    }
  }

  private BiFunction<Long, SyntheticWorld.Mixture, Corpus> original = TrainCommand.corpusFactory;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void useTestCorpus() {
    original = TrainCommand.corpusFactory;
    TrainCommand.corpusFactory = (seed, mixture) -> new PatternCorpus();
  }

  @AfterEach
  void restore() {
    TrainCommand.corpusFactory = original;
  }

  private int run(String... args) {
    return TrainCommand.execute(new PrintWriter(out), new PrintWriter(err), args);
  }

  private static final String[] TINY = {
    "--steps", "3", "--batch", "2", "--context", "16", "--warmup", "1", "--lr", "1e-2",
    "--final-lr", "1e-3", "--log-every", "1", "--layers", "1", "--heads", "2",
    "--embedding", "16", "--mlp", "32", "--seed", "5"
  };

  private String[] args(Path dir, String... extra) {
    String[] all = new String[TINY.length + 2 + extra.length];
    all[0] = "--out";
    all[1] = dir.toString();
    System.arraycopy(TINY, 0, all, 2, TINY.length);
    System.arraycopy(extra, 0, all, 2 + TINY.length, extra.length);
    return all;
  }

  @Test
  void runs3StepsAndWritesCheckpointAndLog(@TempDir Path dir) throws Exception {
    assertThat(run(args(dir))).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("starting at step 0 of 3")
        .containsPattern("step 3/3 loss \\d+\\.\\d{4} tok/s \\d+ lr 1\\.000e-03 eta 0:00:00")
        .contains("done: step 3");
    assertThat(LmTrainer.hasCheckpoint(dir)).isTrue();
    assertThat(dir.resolve(BlockLm.PARAMETERS_FILE)).exists();
    assertThat(dir.resolve(LmTrainer.OPTIMIZER_FILE)).exists();
    assertThat(Files.readAllLines(dir.resolve(LmTrainer.LOG_FILE)))
        .filteredOn(l -> l.startsWith("step="))
        .hasSize(3);
  }

  @Test
  void resumesWhenTheDirectoryHoldsACheckpoint(@TempDir Path dir) {
    assertThat(run(args(dir))).isZero();
    String[] more = args(dir);
    more[3] = "5"; // --steps 5
    assertThat(run(more)).as(err.toString()).isZero();
    assertThat(out.toString()).contains("resuming at step 3 of 5").contains("done: step 5");
  }

  @Test
  void badOptionExitsWith2NamingIt(@TempDir Path dir) {
    assertThat(run(args(dir, "--clip", "-1"))).isEqualTo(TrainCommand.EXIT_USAGE);
    assertThat(err.toString()).contains("clipNorm must be > 0").contains("-1.0");
  }

  @Test
  void failingCorpusFactoryExitsWith1(@TempDir Path dir) {
    TrainCommand.corpusFactory =
        (seed, mixture) -> {
          throw new IllegalStateException("no corpus");
        };
    assertThat(run(args(dir))).isEqualTo(TrainCommand.EXIT_RUN_FAILED);
    assertThat(err.toString()).contains("no corpus");
  }
}

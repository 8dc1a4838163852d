package org.icm4j.examples;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.CausalLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.djl.TorchScriptLm;
import org.icm4j.examples.WorldExperiment.Outcome;
import org.icm4j.examples.WorldExperiment.Settings;
import org.icm4j.examples.WorldExperiment.Task;
import org.icm4j.io.Jsonl;
import org.icm4j.result.Energy;
import org.icm4j.result.IterationRecord;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job: ICM on a task of the synthetic world with the embedded model, then the paper's
 * comparison for that run (zero-shot, many-shot with random, gold and ICM labels, ICM's agreement,
 * ICM without rules), the labels as JSON Lines and a PNG plot of U and agreement over iterations.
 *
 * <pre>{@code
 * mvn -B -q install -DskipTests && mvn -B -q -pl icm-examples exec:java
 * mvn -B -q -pl icm-examples exec:java -Dexec.args="--task control --seed 2"
 * }</pre>
 *
 * <p>The embedded model is the {@link BlockLm} in this module's resources ({@value #MODEL_RESOURCE}),
 * trained by {@link TrainCommand} on {@code SyntheticWorld.defaultWorld(42)}; its log is in {@code
 * icm-examples/training/}. {@code --model-dir} takes a user's {@link TorchScriptLm} directory
 * instead (icm4j-torchscript.json, the .pt file and tokenizer.json; the claims are plain text such as {@code
 * "e12 colour red :"}), {@code --block-model} a {@link BlockLm} saved by {@link TrainCommand}.
 *
 * <p>Exit codes: 0 done, 1 the run failed, 2 bad options. Not thread-safe: an instance holds the
 * parsed options of one run.
 */
@Command(
    name = "icm-demo",
    mixinStandardHelpOptions = true,
    version = "icm4j icm-demo 0.1.0-SNAPSHOT",
    sortOptions = false,
    description = {
      "Runs ICM on a task of the synthetic world with the embedded model and prints the paper's"
          + " comparison for the run; writes labels.jsonl, curve.csv, table.md and plot.png to --out."
    })
public final class DemoCommand implements Callable<Integer> {

  /** Exit code when the run failed. */
  public static final int EXIT_RUN_FAILED = 1;

  /** Exit code for bad options. */
  public static final int EXIT_USAGE = 2;

  /** Class-path folder of the embedded model. */
  static final String MODEL_RESOURCE = "org/icm4j/examples/world-model/";

  @Spec @Nullable CommandSpec spec;

  @Option(names = "--task", defaultValue = "truth", paramLabel = "TASK",
      description = "truth (task 1), comparison (task 2) or control (task 3); default ${DEFAULT-VALUE}.")
  String task = "truth";

  @Option(names = "--seed", defaultValue = "1",
      description = "Seed of the claim draw and of ICM (default ${DEFAULT-VALUE}).")
  long seed;

  @Mixin SharedOptions.IcmRun icm = new SharedOptions.IcmRun();

  @Option(names = "--score-memo", defaultValue = "" + Icm.DEFAULT_SCORE_MEMO, paramLabel = "N",
      description = "Scores each chain remembers so that it never asks the model the same question"
          + " twice; 0 turns it off (the results are the same, only slower) (default ${DEFAULT-VALUE}).")
  int scoreMemo;

  @Mixin SharedOptions.WorldClaims claims = new SharedOptions.WorldClaims();

  @Mixin SharedOptions.LeaveOneOut leaveOneOut = new SharedOptions.LeaveOneOut();

  @Option(names = "--model-dir", paramLabel = "DIR",
      description = "Use your own TorchScriptLm directory (icm4j-torchscript.json, the .pt file,"
          + " tokenizer.json) instead of the embedded model.")
  @Nullable Path modelDir;

  @Mixin SharedOptions.BlockModel blockModel = new SharedOptions.BlockModel();

  @Option(names = "--llama-server", paramLabel = "URL",
      description = "Score with the llama.cpp server at URL (serving this model as ExportGgufCommand"
          + " writes it) over HTTP instead of in-process DJL; see docs/remote.md.")
  @Nullable String llamaServer;

  @Option(names = "--onnx-model", paramLabel = "DIR",
      description = "Score with ONNX Runtime on this world model exported to ONNX (DIR/onnx/model.onnx,"
          + " DIR/config.json; fixtures/world-onnx holds the embedded model's) instead of DJL.")
  @Nullable Path onnxModel;

  @Option(names = "--out", defaultValue = "icm-demo-out", paramLabel = "DIR",
      description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out = Path.of("icm-demo-out");

  /** A command with no options set; picocli fills them in. */
  public DemoCommand() {}

  /**
   * Runs the command and exits with its code.
   *
   * @param args the command line; {@code --help} lists the options
   */
  public static void main(String[] args) {
    Commands.defaultToOffline();
    System.setProperty("java.awt.headless", "true");
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the command with the given output streams, without exiting.
   *
   * @return 0 on success, {@value #EXIT_RUN_FAILED} when the run failed, {@value #EXIT_USAGE} for
   *     bad options
   *
   * @param out receives the report
   * @param err receives errors and usage help for bad options
   * @param args the command line
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return Commands.execute(new DemoCommand(), out, err, args);
  }

  @Override
  public Integer call() {
    CommandSpec s = requireNonNull(spec, "spec");
    PrintWriter stdout = s.commandLine().getOut();
    PrintWriter err = s.commandLine().getErr();
    Settings settings;
    try {
      settings =
          new Settings(parseTask(task), seed, icm.alpha(), icm.search.choice(), claims.trainClaims(),
              claims.testClaims, scoreMemo);
      if (modelDir != null && blockModel.dir != null) {
        throw new IllegalArgumentException("give --model-dir or --block-model, not both");
      }
      if (onnxModel != null && llamaServer != null) {
        throw new IllegalArgumentException("give --onnx-model or --llama-server, not both");
      }
    } catch (IllegalArgumentException e) {
      err.println("icm-demo: " + e.getMessage());
      err.println("Try --help for the options.");
      return EXIT_USAGE;
    }
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    try (Model model = Model.open(modelDir, blockModel.dir, world)) {
      stdout.printf(Locale.ROOT, "model: %s%n", model.name());
      stdout.printf(
          Locale.ROOT,
          "task %s, seed %d: ICM labels %d training claims (%s, alpha %s),"
              + " accuracies on %d held-out claims%n",
          settings.task().lowerName(), seed, settings.trainClaims(), settings.search().describe(),
          settings.alpha(), settings.testClaims());
      stdout.flush();
      Outcome o;
      if (onnxModel != null) {
        try (org.icm4j.onnx.OnnxScorer scorer =
            WorldOnnxScorer.open(onnxModel, model.tokenizer(), leaveOneOut.mode)) {
          stdout.printf(Locale.ROOT, "scorer: %s%n", scorer);
          o = WorldExperiment.run(world, scorer, settings, new Bar(stdout));
        }
      } else if (llamaServer != null) {
        try (org.icm4j.http.HttpScorer scorer = WorldHttpScorer.open(
            llamaServer, model.tokenizer(), world.vocabulary().size(), leaveOneOut.mode)) {
          stdout.printf(Locale.ROOT, "scorer: %s%n", scorer);
          o = WorldExperiment.run(world, scorer, settings, new Bar(stdout));
        }
      } else {
        try (DjlScorer scorer = model.scorer(leaveOneOut.mode)) {
          o = WorldExperiment.run(world, scorer, settings, new Bar(stdout));
        }
      }
      stdout.printf(Locale.ROOT, "%nscorer: %d calls, %d queries, %d token-forwards (ICM with rules)",
          o.icm().result().counts().scorerCalls(), o.icm().result().counts().scoredQueries(),
          o.icm().result().counts().tokens());
      stdout.println();
      String table = table(o);
      stdout.print(table);
      Files.createDirectories(out);
      Jsonl.writeLabels(out.resolve("labels.jsonl"), o.icm().result().labels());
      Files.writeString(out.resolve("table.md"), table);
      writeCurve(out.resolve("curve.csv"), o);
      CurvePlot.write(
          out.resolve("plot.png"),
          "ICM on the " + settings.task().lowerName() + " task, seed " + seed + ": U and agreement with gold",
          List.of(
              new CurvePlot.Series("ICM (consistency rules)", CurvePlot.ICM, o.icm().curve()),
              new CurvePlot.Series("ICM without rules", CurvePlot.NO_RULES, o.icmWithoutRules().curve())));
      stdout.printf(
          Locale.ROOT,
          "wrote %s (ICM labels), %s, %s, %s in %s%n",
          out.resolve("labels.jsonl"), out.resolve("table.md"), out.resolve("curve.csv"),
          out.resolve("plot.png"), Commands.format(o.elapsed()));
      stdout.flush();
      return 0;
    } catch (IcmException | IllegalArgumentException | IllegalStateException | UncheckedIOException
        | IOException e) {
      stdout.println();
      err.println("icm-demo: " + e.getMessage());
      return EXIT_RUN_FAILED;
    }
  }

  /**
   * A world model, its tokenizer and a description; {@link #close} frees the model. Scorers made
   * by {@link #scorer} share the model and do not own it.
   */
  record Model(CausalLm lm, TextTokenizer tokenizer, String name) implements AutoCloseable {
    /** A scorer with the world's prompt layout over this model. */
    DjlScorer scorer() {
      return scorer(DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER);
    }

    /** A scorer with the world's prompt layout over this model and the given leave-one-out mode. */
    DjlScorer scorer(DjlScorer.LeaveOneOut mode) {
      return DjlScorer.builder()
          .model(lm)
          .tokenizer(tokenizer)
          .template(WorldProbe.template())
          .leaveOneOut(mode)
          .ownsResources(false)
          .build();
    }

    @Override
    public void close() {
      lm.close();
    }

    /**
     * Opens the embedded model, or a user's TorchScript directory, or a saved BlockLm.
     *
     * @throws IOException if the embedded model cannot be copied out of the class path
     */
    static Model open(@Nullable Path modelDir, @Nullable Path blockModel, SyntheticWorld world)
        throws IOException {
      CausalLm lm;
      TextTokenizer tokenizer;
      String name;
      if (modelDir != null) {
        lm = TorchScriptLm.load(modelDir);
        try {
          tokenizer = TextTokenizer.huggingFace(modelDir.resolve("tokenizer.json"));
        } catch (RuntimeException e) {
          lm.close();
          throw e;
        }
        name = "TorchScript model " + modelDir;
      } else {
        BlockLm block;
        if (blockModel != null) {
          block = BlockLm.load(blockModel, Device.cpu());
        } else {
          Path dir = extractEmbeddedModel();
          try {
            block = BlockLm.load(dir, Device.cpu());
          } finally {
            deleteQuietly(dir);
          }
        }
        lm = block;
        tokenizer = world.tokenizer();
        name = (blockModel == null ? "embedded model " : "BlockLm " + blockModel + " ")
            + block.config() + ", " + block.config().parameterCount() + " parameters";
      }
      return new Model(lm, tokenizer, name);
    }
  }

  static Task parseTask(String name) {
    for (Task t : Task.values()) {
      if (t.lowerName().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "--task must be truth, comparison or control, but was '" + name + "'");
  }

  /** The row of the table for this run, as Markdown. */
  static String table(Outcome o) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "| %s task, seed %d (%d training, %d test claims) | accuracy |%n|---|---|%n",
        o.settings().task().lowerName(), o.settings().seed(), o.trainClaims(), o.testClaims()));
    row(sb, "zero-shot (test)", o.zeroShot());
    row(sb, "many-shot, random labels (test, mean of " + WorldExperiment.RANDOM_DRAWS + ")", o.randomManyShot());
    row(sb, "many-shot, gold labels (test)", o.goldManyShot());
    row(sb, "many-shot, ICM labels (test)", o.icm().manyShot());
    row(sb, "ICM agreement with gold (the training claims it labelled)", o.icm().agreement());
    row(sb, "many-shot, labels of ICM without rules (test)", o.icmWithoutRules().manyShot());
    row(sb, "ICM without rules: agreement with gold", o.icmWithoutRules().agreement());
    sb.append(String.format(Locale.ROOT,
        "%nICM: U %.2f, P %.3f, I %d; without rules: U %.2f, P %.3f, I %d%n",
        o.icm().result().utility(), o.icm().result().mutualPredictability(),
        o.icm().result().inconsistency(), o.icmWithoutRules().result().utility(),
        o.icmWithoutRules().result().mutualPredictability(), o.icmWithoutRules().result().inconsistency()));
    int labelled = o.icm().result().labels().labelledCount();
    int labelledWithoutRules = o.icmWithoutRules().result().labels().labelledCount();
    sb.append(String.format(Locale.ROOT,
        "ICM labelled %d of the %d training claims (without rules: %d)%s%n",
        labelled, o.trainClaims(), labelledWithoutRules,
        labelled < o.trainClaims() || labelledWithoutRules < o.trainClaims()
            ? "; the rest stay unlabelled, and the agreements are over the labelled ones"
            : ""));
    for (org.icm4j.result.IcmWarning w : o.icm().result().warnings()) {
      sb.append("warning: ").append(w).append(System.lineSeparator());
    }
    for (org.icm4j.result.BatchSummary b : o.icm().result().batches()) {
      sb.append(String.format(Locale.ROOT,
          "ICM's search: %d of %d starts ended at the kept labeling%s%n",
          b.startsAtBest(), b.starts(),
          Double.isNaN(b.runnerUpUtility())
              ? ""
              : String.format(Locale.ROOT, "; the best other ended at U %.2f", b.runnerUpUtility())));
    }
    Energy gold = o.icm().goldEnergy();
    sb.append(String.format(Locale.ROOT,
        "gold labels of the training claims (evaluation only, never seen by the search): U %.2f, P %.3f,"
            + " I %d with rules%n",
        gold.utility(), gold.mutualPredictability(), gold.inconsistency()));
    return sb.toString();
  }

  private static void row(StringBuilder sb, String name, double v) {
    sb.append(String.format(Locale.ROOT, "| %s | %.1f%% |%n", name, 100 * v));
  }

  private static void writeCurve(Path file, Outcome o) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("run,chain,iteration,utility,agreement");
    curveLines(lines, "icm", o.icm().curve());
    curveLines(lines, "no-rules", o.icmWithoutRules().curve());
    Files.write(file, lines);
  }

  private static void curveLines(List<String> lines, String run, List<WorldExperiment.Point> curve) {
    for (WorldExperiment.Point p : curve) {
      lines.add(String.format(Locale.ROOT, "%s,%d,%d,%.4f,%.4f",
          run, p.chain(), p.iteration(), p.utility(), p.agreement()));
    }
  }

  /** Copies the embedded model out of the class path into a temporary directory. */
  static Path extractEmbeddedModel() throws IOException {
    Path dir = Files.createTempDirectory("icm4j-world-model");
    for (String name : List.of(BlockLm.CONFIG_FILE, BlockLm.PARAMETERS_FILE)) {
      try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(MODEL_RESOURCE + name)) {
        if (in == null) {
          deleteQuietly(dir);
          throw new IllegalStateException(
              "the embedded model file " + MODEL_RESOURCE + name + " is not on the class path:"
                  + " build icm-examples again (mvn -B -q install -DskipTests)");
        }
        Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // A temporary copy of the model: nothing to report if it cannot be removed.
    }
  }

  /**
   * A text progress bar: redrawn in place on a terminal, a line per tenth otherwise. The time left
   * is shown once a tenth of the work and 10 seconds have passed (earlier estimates swing widely:
   * a search's first steps cost more than its later ones).
   */
  static final class Bar implements WorldExperiment.Progress {
    private final PrintWriter out;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastTenth = -1;

    Bar(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void update(double done, String run, IterationRecord r, double agreement) {
      long now = System.nanoTime();
      int tenth = (int) Math.floor(10 * done);
      if (terminal ? now - lastDraw < 100_000_000L && done < 1 : tenth == lastTenth) {
        return;
      }
      lastDraw = now;
      lastTenth = tenth;
      out.print(terminal ? "\r" + line(done, run, r, agreement, now - start) : line(done, run, r, agreement, now - start) + System.lineSeparator());
      out.flush();
    }

    /** One line of the bar, {@code elapsed} nanoseconds after the start. */
    static String line(double done, String run, IterationRecord r, double agreement, long elapsed) {
      int width = 30;
      int filled = (int) Math.min(width, Math.floor(width * done));
      String left =
          done >= 0.1 && elapsed >= 10_000_000_000L
              ? Commands.format(Duration.ofNanos((long) (elapsed / done * (1 - done)))) + " left"
              : "estimating time left";
      return String.format(Locale.ROOT,
          "[%s%s] %3d%% %-13s U %8.2f agreement %.2f  %s",
          "#".repeat(filled), ".".repeat(width - filled), (int) Math.floor(100 * done), run,
          r.utility(), agreement, left);
    }
  }
}

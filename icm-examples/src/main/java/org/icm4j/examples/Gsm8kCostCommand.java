package org.icm4j.examples;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.CausalLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.djl.TorchScriptLm;
import org.icm4j.eval.Evaluation;
import org.icm4j.io.Jsonl;
import org.icm4j.result.IcmResult;
import org.icm4j.result.RunCounts;
import org.icm4j.text.PromptLayout;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs ICM on a GSM8K verification batch with a local model and reports what it cost: scorer
 * calls, scored queries, token-forwards, wall-clock time and iterations, then the agreement of the
 * labels with gold.
 *
 * <p>By default the batch is 64 questions × 4 solutions = 256 claims. The questions are drawn from
 * the bundled file with {@code --seed} ({@link Gsm8kLoader#sampleQuestions}), and the rule is
 * {@code Rules.answerKey("answer")}. The model is either a {@link TorchScriptLm} directory ({@code
 * --model-dir}) or a saved {@link BlockLm} ({@code --block-model}). The tokenizer is {@code
 * tokenizer.json} in that directory unless {@code --tokenizer} names another. The scorer is a
 * {@link DjlScorer} with the official prompt template.
 *
 * <pre>{@code
 * java -Dai.djl.offline=true -cp ... org.icm4j.examples.Gsm8kCostCommand --model-dir models/gpt2
 *
 * # a tiny smoke run on icm-djl's random-weight test model (context: 512 tokens, byte-level BPE)
 * mvn -q -pl icm-examples exec:java -Dexec.mainClass=org.icm4j.examples.Gsm8kCostCommand
 *     -Dexec.args="--model-dir
 *     icm-djl/src/test/resources/fixtures/gpt2-kv --tokenizer
 *     icm-djl/src/test/resources/fixtures/tokenizer.json --questions 3 --icm-batch 4
 *     --max-claim-chars 30 --starts 4"
 * }</pre>
 *
 * <p>A context longer than the model's limit stops the run with exit code 1. The message says so,
 * and the remedy is a smaller {@code --icm-batch} (each leave-one-out query holds a whole batch;
 * the 4 solutions of a question are never split), a {@code --max-claim-chars}, which cuts questions
 * and solutions in the prompts and is reported, or a model with a longer context. Bad options exit
 * with 2, as picocli's usage errors do.
 *
 * <p>The agreement with gold measures the model, not ICM alone. With a model that cannot do
 * grade-school arithmetic (such as the tiny test model), it means nothing, and the command says so
 * in a loud line.
 *
 * <p>Not thread-safe: an instance holds the parsed options of one run. {@link #main} sets {@code
 * ai.djl.offline=true} unless offline mode is already configured; the command never downloads
 * anything.
 */
@Command(
    name = "gsm8k-cost",
    mixinStandardHelpOptions = true,
    version = "icm4j gsm8k-cost 0.1.0-SNAPSHOT",
    sortOptions = false,
    description = {
      "Runs ICM on a GSM8K verification batch (default 64 questions x 4 solutions = 256 claims)"
          + " with a local model and reports the cost: scorer calls, scored queries,"
          + " token-forwards, wall-clock time, iterations; then agreement with gold."
    })
public final class Gsm8kCostCommand implements Callable<Integer> {

  /** Exit code of a run that failed after its options were accepted (e.g. a context too long). */
  public static final int EXIT_RUN_FAILED = 1;

  /** Exit code of bad options (picocli's usage-error code). */
  public static final int EXIT_USAGE = 2;

  /** The line printed after the agreement, every time. */
  public static final String WARNING =
      "!!! WARNING: agreement with gold means NOTHING unless the model can do grade-school"
          + " arithmetic. With a model that cannot (such as icm-djl's tiny random-weight test"
          + " model), it is chance, not a measurement of ICM. !!!";

  private static final int SOLUTIONS = Gsm8kLoader.SOLUTION_KEYS.size();

  @Spec @Nullable CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  @Nullable ModelSource model;

  /** Exactly one model source. */
  static final class ModelSource {
    @Option(
        names = "--model-dir",
        paramLabel = "DIR",
        description = "A TorchScriptLm directory (icm4j-torchscript.json and the .pt file; tokenizer.json"
            + " unless --tokenizer).")
    @Nullable Path modelDir;

    @Option(
        names = "--block-model",
        paramLabel = "DIR",
        description = "A BlockLm saved with BlockLm.save (config.json, gpt.params; tokenizer.json"
            + " unless --tokenizer).")
    @Nullable Path blockModel;
  }

  @Option(
      names = "--tokenizer",
      paramLabel = "FILE",
      description = "The model's Hugging Face tokenizer.json (default: DIR/tokenizer.json).")
  @Nullable Path tokenizer;

  @Option(
      names = "--questions",
      paramLabel = "N",
      defaultValue = "64",
      description = "Questions to draw (4 claims each; default ${DEFAULT-VALUE}).")
  int questions;

  @Option(
      names = "--seed",
      paramLabel = "SEED",
      defaultValue = "42",
      description = "Seed of the question draw and of ICM (default ${DEFAULT-VALUE}).")
  long seed;

  @Mixin SharedOptions.IcmRun icm = new SharedOptions.IcmRun();

  @Mixin SharedOptions.LeaveOneOut leaveOneOut = new SharedOptions.LeaveOneOut();

  @Mixin SharedOptions.IcmBatch icmBatch = new SharedOptions.IcmBatch();

  @Option(
      names = "--max-claim-chars",
      paramLabel = "N",
      description = "Cut each question and each solution to at most N characters in the prompts"
          + " (final answers still come from the whole solution). Default: no cut.")
  @Nullable Integer maxClaimChars;

  @Option(
      names = "--data",
      paramLabel = "FILE",
      description = "A GSM8K file in the format of example_model_solutions.jsonl (default: the"
          + " bundled one).")
  @Nullable Path data;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write the labels as JSON Lines (Jsonl.writeLabels).")
  @Nullable Path labelsOut;

  /** A command with no options set; picocli fills them in. */
  public Gsm8kCostCommand() {}

  /**
   * Runs the command and exits with its code.
   *
   * @param args the command line; {@code --help} lists the options
   */
  public static void main(String[] args) {
    Commands.defaultToOffline();
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the command with the given output streams, without exiting.
   *
   * @param out receives the report
   * @param err receives errors and usage help for bad options
   * @param args the command line
   * @return 0 on success, {@value #EXIT_RUN_FAILED} when the run failed, {@value #EXIT_USAGE} for
   *     bad options
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return Commands.execute(new Gsm8kCostCommand(), out, err, args);
  }

  /** Runs ICM and prints the report; called by picocli. */
  @Override
  public Integer call() {
    CommandSpec s = requireNonNull(spec, "spec");
    ModelSource source = requireNonNull(model, "model");
    PrintWriter out = s.commandLine().getOut();
    PrintWriter err = s.commandLine().getErr();

    Gsm8kLoader loader;
    try {
      loader = data == null ? Gsm8kLoader.bundled() : Gsm8kLoader.fromFile(data);
    } catch (IcmException | UncheckedIOException e) {
      err.println("gsm8k-cost: cannot read the GSM8K data: " + e.getMessage());
      return EXIT_RUN_FAILED;
    }
    String problem = checkOptions(loader);
    if (problem != null) {
      err.println("gsm8k-cost: " + problem);
      err.println("Try --help for the options.");
      return EXIT_USAGE;
    }
    List<Integer> indices = loader.sampleQuestions(questions, seed);
    ClaimSet claims =
        loader.claims(indices, maxClaimChars == null ? Integer.MAX_VALUE : maxClaimChars);
    List<Example> examples = claims.examples();

    out.printf(
        Locale.ROOT,
        "GSM8K verification: %d questions x %d solutions = %d claims, questions drawn with seed %d"
            + " from %d (%s)%n",
        indices.size(), SOLUTIONS, examples.size(), seed, loader.questionCount(),
        data == null ? "bundled file" : data);
    out.printf(Locale.ROOT, "rules: %s%n", claims.rules());
    if (maxClaimChars != null) {
      out.printf(
          Locale.ROOT,
          "TRUNCATED: %d of %d question and solution texts were cut to %d characters in the prompts"
              + " (--max-claim-chars); final answers come from the whole solutions%n",
          claims.truncatedTexts(), 2 * examples.size(), maxClaimChars);
    }

    Path dir = requireNonNull(
        source.modelDir != null ? source.modelDir : source.blockModel, "model directory");
    Path tokenizerFile = tokenizer != null ? tokenizer : dir.resolve("tokenizer.json");
    long loadStart = System.nanoTime();
    CausalLm lm;
    try {
      lm = source.modelDir != null ? TorchScriptLm.load(dir) : BlockLm.load(dir, Device.cpu());
    } catch (IcmException | IllegalArgumentException | UncheckedIOException e) {
      err.println("gsm8k-cost: cannot load the model from " + dir + ": " + e.getMessage());
      return EXIT_RUN_FAILED;
    }
    TextTokenizer tok;
    try {
      tok = TextTokenizer.huggingFace(tokenizerFile);
    } catch (IcmException e) {
      closeQuietly(lm);
      err.println("gsm8k-cost: " + e.getMessage() + " (set it with --tokenizer FILE)");
      return EXIT_RUN_FAILED;
    }
    Duration load = Duration.ofNanos(System.nanoTime() - loadStart);
    int limit = lm.maxLength();

    int k = Math.min(Icm.DEFAULT_INITIAL_LABELS, examples.size());
    SearchChoice.Value searchChoice = icm.search.choice(Icm.DEFAULT_ITERATIONS, 1);
    @Nullable Integer batchSize = icmBatch.sizeOrNull(); // checked by checkOptions
    Icm.Builder builder =
        searchChoice
            .configure(Icm.builder())
            .rules(claims.rules())
            .alpha(icm.alpha())
            .initialLabels(k)
            .seed(seed);
    if (batchSize != null) {
      builder.batchSize(batchSize);
    }

    IcmResult result;
    long tokensForwarded;
    // The scorer owns the model and the tokenizer from here on and closes them.
    try (DjlScorer scorer =
        DjlScorer.builder()
            .model(lm)
            .tokenizer(tok)
            .template(PromptLayout.official())
            .leaveOneOut(leaveOneOut.mode)
            .build()) {
      out.printf(
          Locale.ROOT,
          "model: %s; tokenizer: %s; leave-one-out: %s; loaded in %s%n",
          lm instanceof BlockLm b ? "BlockLm[" + dir + ", " + b.config() + "]" : lm,
          tokenizerFile, leaveOneOut.mode, seconds(load));
      printContextEstimate(out, examples, tok, limit, batchSize);
      out.printf(
          Locale.ROOT,
          "ICM: %s, alpha %s, K %d, seed %d, batch size %s%n",
          searchChoice.describe(), icm.alpha(), k, seed, batchSize == null ? "all (one batch)" : batchSize);
      out.flush();
      long tokensBefore = scorer.tokensForwarded();
      result = builder.scorer(scorer).build().run(examples);
      tokensForwarded = scorer.tokensForwarded() - tokensBefore;
    } catch (IcmException e) {
      if (isContextTooLong(e)) {
        err.println("gsm8k-cost: the prompts do not fit the model's context: " + e.getMessage());
        err.println(
            "  Remedy: each leave-one-out query holds a whole batch of claims as context, so"
                + " give a smaller " + icmBatch.name() + " (at least 4: a question's 4 solutions are never"
                + " split; now " + (batchSize == null ? "one batch of " + examples.size() : batchSize)
                + "), and/or --max-claim-chars N to cut questions and solutions (now "
                + (maxClaimChars == null ? "no cut" : maxClaimChars) + "), or use a model with a"
                + " longer context (this one: " + limit + " tokens).");
      } else {
        err.println("gsm8k-cost: the ICM run failed: " + e.getMessage());
      }
      return EXIT_RUN_FAILED;
    }

    RunCounts c = result.counts();
    out.println("cost:");
    out.printf(Locale.ROOT, "  scorer calls:    %d%n", c.scorerCalls());
    out.printf(Locale.ROOT, "  scored queries:  %d%n", c.scoredQueries());
    out.printf(
        Locale.ROOT,
        "  token-forwards:  %d (the scorer's own count: %d)%n",
        c.tokens(), tokensForwarded);
    out.printf(
        Locale.ROOT,
        "  wall-clock:      %s for ICM (%s per search step); model load %s%n",
        seconds(result.elapsed()),
        c.iterations() == 0 ? "-" : seconds(result.elapsed().dividedBy(c.iterations())),
        seconds(load));
    out.printf(
        Locale.ROOT,
        "  search steps:    %d (%d accepted) over %d batch(es)%n",
        c.iterations(), c.accepted(), result.batches().size());
    out.printf(
        Locale.ROOT,
        "result: %s, U %.4f, P %.4f, I %d, %d of %d claims labelled, %d True%n",
        result.status(), result.utility(), result.mutualPredictability(),
        result.inconsistency(), result.labels().labelledCount(), examples.size(),
        result.labels().asMap().values().stream().filter("True"::equals).count());

    long goldFalse = claims.gold().asMap().values().stream().filter("False"::equals).count();
    if (result.labels().labelledCount() > 0) {
      out.printf(
          Locale.ROOT,
          "agreement with gold (is_correct): %.4f over %d labelled claims; labelling every claim"
              + " False would agree %.4f%n",
          Evaluation.agreement(result.labels(), claims.gold()),
          result.labels().labelledCount(),
          (double) goldFalse / examples.size());
    } else {
      out.println("agreement with gold: none (no claim was labelled)");
    }
    out.println(WARNING);

    if (labelsOut != null) {
      Jsonl.writeLabels(labelsOut, result.labels());
      out.printf(Locale.ROOT, "labels written to %s%n", labelsOut);
    }
    out.flush();
    return 0;
  }

  /** A message for options that cannot work, or {@code null}. */
  private @Nullable String checkOptions(Gsm8kLoader loader) {
    if (questions < 1 || questions > loader.questionCount()) {
      return "--questions must be in [1, " + loader.questionCount() + "], but was " + questions;
    }
    @Nullable Integer batchSize;
    try {
      icm.search.choice(Icm.DEFAULT_ITERATIONS, 1);
      icm.alpha();
      batchSize = icmBatch.sizeOrNull();
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    if (batchSize != null && batchSize < SOLUTIONS) {
      return icmBatch.name() + " must be >= " + SOLUTIONS + " (a question's " + SOLUTIONS
          + " solutions are never split), but was " + batchSize;
    }
    if (maxClaimChars != null && maxClaimChars < 1) {
      return "--max-claim-chars must be >= 1, but was " + maxClaimChars;
    }
    ModelSource source = requireNonNull(model, "model");
    Path dir = source.modelDir != null ? source.modelDir : source.blockModel;
    if (dir == null || !Files.isDirectory(dir)) {
      return "the model directory " + dir + " does not exist";
    }
    if (labelsOut != null
        && labelsOut.toAbsolutePath().getParent() != null
        && !Files.isDirectory(labelsOut.toAbsolutePath().getParent())) {
      return "the directory of --out " + labelsOut + " does not exist";
    }
    return null;
  }

  /**
   * Prints the longest claim in tokens and what the largest batch would need, against the
   * model's limit: a rough check before the run (a batch's context also holds the query twice).
   */
  private static void printContextEstimate(
      PrintWriter out, List<Example> examples, TextTokenizer tok, int maxLength, @Nullable Integer batchSize) {
    PromptLayout template = PromptLayout.official();
    int[] lengths = new int[examples.size()];
    for (int i = 0; i < lengths.length; i++) {
      String demo = template.query(examples.get(i)) + template.verbalize("False")
          + template.separator();
      lengths[i] = tok.encode(demo).length;
    }
    Arrays.sort(lengths);
    int batch = batchSize == null ? lengths.length : Math.min(batchSize, lengths.length);
    long worst = 0;
    for (int i = 0; i < batch; i++) {
      worst += lengths[lengths.length - 1 - i];
    }
    out.printf(
        Locale.ROOT,
        "context: longest claim %d tokens (median %d); a batch of %d claims needs up to about %d"
            + " tokens; model limit %d%s%n",
        lengths[lengths.length - 1], lengths[lengths.length / 2], batch, worst, maxLength,
        worst > maxLength ? " -- TOO LONG: see --icm-batch and --max-claim-chars" : "");
  }

  private static boolean isContextTooLong(IcmException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains("model's limit")) {
        return true;
      }
    }
    return false;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception suppressed) {
      // Closing after a failure: the failure is what the user needs to see.
    }
  }
}

package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cost command end to end on icm-djl's tiny TorchScript fixture (random weights, 512-token
 * context, byte-level BPE): small batches and short claims so that contexts fit.
 */
class Gsm8kCostCommandTest {

  private static final Path FIXTURES =
      Path.of(System.getProperty("icm4j.djl.fixtures", "../icm-djl/src/test/resources/fixtures"));
  private static final String MODEL = FIXTURES.resolve("gpt2-kv").toString();
  private static final String TOKENIZER = FIXTURES.resolve("tokenizer.json").toString();

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Gsm8kCostCommand.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  private static String[] tinyRun(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--model-dir", MODEL,
                "--tokenizer", TOKENIZER,
                "--questions", "3",
                "--icm-batch", "4",
                "--max-claim-chars", "30",
                "--search", "paper",
                "--iterations", "3",
                "--seed", "7"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @Test
  void tinyRun_printsTheCostLinesTheTruncationAndTheWarning(@TempDir Path tmp) throws IOException {
    Path labels = tmp.resolve("labels.jsonl");
    Run r = run(tinyRun("--out", labels.toString()));

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("3 questions x 4 solutions = 12 claims, questions drawn with seed 7 from 1319")
        .contains("TRUNCATED: 24 of 24 question and solution texts were cut to 30 characters")
        .contains("model limit 512")
        .contains("rules: [answerKey(answer)]")
        .containsPattern("scorer calls: +[1-9]\\d*\n")
        .containsPattern("scored queries: +[1-9]\\d*\n")
        .containsPattern("token-forwards: +[1-9]\\d* \\(the scorer's own count: [1-9]\\d*\\)\n")
        .containsPattern("wall-clock: +\\d+\\.\\d{3} s for ICM")
        .containsPattern("search steps: +9 \\(\\d+ accepted\\) over 3 batch\\(es\\)")
        .containsPattern("agreement with gold \\(is_correct\\): [01]\\.\\d{4} over 12 labelled")
        .contains(Gsm8kCostCommand.WARNING)
        .contains("labels written to " + labels);
    assertThat(Files.readAllLines(labels)).hasSize(12);
    // The scorer's count and the run's count of token-forwards agree.
    String line = r.out().lines().filter(l -> l.contains("token-forwards")).findFirst().orElseThrow();
    String[] numbers = line.replaceAll("[^0-9 ]", " ").trim().split(" +");
    assertThat(numbers[0]).isEqualTo(numbers[numbers.length - 1]);
  }

  @Test
  void tinyRun_isReproducible(@TempDir Path tmp) throws IOException {
    Path a = tmp.resolve("a.jsonl");
    Path b = tmp.resolve("b.jsonl");
    assertThat(run(tinyRun("--out", a.toString())).code()).isZero();
    assertThat(run(tinyRun("--out", b.toString())).code()).isZero();
    assertThat(Files.readAllLines(b)).isEqualTo(Files.readAllLines(a));
  }

  @Test
  void tinyRun_acceptsEveryLeaveOneOutMode() {
    for (String mode : List.of("PLAIN", "SHARED_PREFIX", "DIVIDE_AND_CONQUER")) {
      Run r = run(tinyRun("--leave-one-out", mode));
      assertThat(r.code()).as(mode + ": " + r.err()).isZero();
      assertThat(r.out()).contains("leave-one-out: " + mode);
    }
  }

  @Test
  void blockModel_runsWithTheTokenizerBesideIt(@TempDir Path tmp) throws IOException {
    // A small random DJL Block GPT over the fixture tokenizer's 276 ids.
    try (BlockLm lm = BlockLm.create(new GptConfig(276, 512, 1, 2, 16, 32, 3L), Device.cpu())) {
      lm.save(tmp);
    }
    Files.copy(Path.of(TOKENIZER), tmp.resolve("tokenizer.json"));
    Run r =
        run("--block-model", tmp.toString(), "--questions", "2", "--icm-batch", "4",
            "--max-claim-chars", "30", "--search", "paper", "--iterations", "2");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("model: BlockLm")
        .containsPattern("scorer calls: +[1-9]\\d*\n")
        .contains(Gsm8kCostCommand.WARNING);
  }

  @Test
  void tooLongContext_isReportedPlainlyWithTheRemedy() {
    Run r =
        run("--model-dir", MODEL, "--tokenizer", TOKENIZER, "--questions", "2", "--search", "paper", "--iterations", "2");

    assertThat(r.code()).isEqualTo(Gsm8kCostCommand.EXIT_RUN_FAILED);
    assertThat(r.out()).contains("TOO LONG");
    assertThat(r.err())
        .contains("the prompts do not fit the model's context")
        .contains("512")
        .contains("--icm-batch")
        .contains("--max-claim-chars");
  }

  @Test
  void badOptions_exitWithTheUsageCode() {
    assertThat(run("--questions", "3").code()).isEqualTo(Gsm8kCostCommand.EXIT_USAGE);
    Run both = run("--model-dir", MODEL, "--block-model", MODEL);
    assertThat(both.code()).isEqualTo(Gsm8kCostCommand.EXIT_USAGE);
    assertThat(both.err()).contains("mutually exclusive");
    Run small = run("--model-dir", MODEL, "--tokenizer", TOKENIZER, "--icm-batch", "3");
    assertThat(small.code()).isEqualTo(Gsm8kCostCommand.EXIT_USAGE);
    assertThat(small.err()).contains("--icm-batch must be >= 4");
    // the old name still works, and the message names the option as it was given
    Run old = run("--model-dir", MODEL, "--tokenizer", TOKENIZER, "--batch-size", "3");
    assertThat(old.code()).isEqualTo(Gsm8kCostCommand.EXIT_USAGE);
    assertThat(old.err()).contains("--batch-size must be >= 4").contains("but was 3");
    Run missing = run("--model-dir", "no/such/dir");
    assertThat(missing.code()).isEqualTo(Gsm8kCostCommand.EXIT_USAGE);
    assertThat(missing.err()).contains("no/such/dir does not exist");
  }

  @Test
  void help_listsTheOptions() {
    Run r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("--model-dir", "--block-model", "--tokenizer", "--seed", "--alpha", "--iterations")
        .contains("--questions", "--leave-one-out", "--icm-batch", "--max-claim-chars", "--out");
  }
}

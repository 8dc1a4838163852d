package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.GgufReference;
import org.icm4j.http.HttpScorer;
import org.icm4j.http.ServerCounters;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.ScorerContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpScorer} against a real llama.cpp {@code llama-server} serving the embedded world
 * model (exported to GGUF): the numbers equal DjlScorer's and ggml's reference, the server
 * tokenizes as the world does, the scorer passes the shared contract, and divide-and-conquer order
 * makes the server evaluate fewer tokens. Run by {@code .ci/run}: {@code mvn -B -pl icm-examples
 * -Pllama-server verify} (README, "Real-server tests").
 */
class LlamaServerIT {

  private static final LabelSpace BINARY = LabelSpace.binary();
  private static LlamaServerFixture fixture;
  private static HttpScorer scorer;

  @BeforeAll
  static void start() {
    fixture = LlamaServerFixture.start(1);
    scorer = fixture.scorer().build();
  }

  @AfterAll
  static void stop() {
    if (scorer != null) {
      scorer.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private static List<LabelledExample> labelledClaims(int n, long seed) {
    ClaimSet claims = fixture.world.truthTask(n / 2, seed);
    return WorldProbe.labelled(claims.examples().subList(0, n), claims.gold());
  }

  private static int[] ids(String text) {
    return scorer.tokenize(text);
  }

  /** The token ids the layout gives a request, written out here from the world tokenizer. */
  private static int[] prompt(ScoreRequest r) {
    StringBuilder text = new StringBuilder();
    for (LabelledExample d : r.context()) {
      text.append(d.example().prompt()).append(' ').append(d.label()).append('\n');
    }
    text.append(r.query().prompt());
    return ids(text.toString());
  }

  @Test
  void serverTokenizesTheWorldsTextAsTheWorldTokenizerDoes() {
    try (HttpScorer viaServer = fixture.scorer().verifyTokenizer(false).build()) {
      // a scorer without a local tokenizer asks the server's /tokenize
      HttpScorer serverSide = org.icm4j.http.HttpScorer.builder().endpoint(fixture.server.url())
          .engine(org.icm4j.http.Engine.LLAMA_CPP).layout(LlamaServerFixture.layout()).maxInFlight(1).build();
      try (serverSide) {
        for (LabelledExample d : labelledClaims(8, 3)) {
          String text = d.example().prompt() + " " + d.label() + "\n" + d.example().prompt();
          assertThat(serverSide.tokenize(text)).as("server tokens of '%s'", text).containsExactly(viaServer.tokenize(text));
        }
      }
    }
  }

  @Test
  void labelLogProbsEqualGgmlsReferenceAndDjlsWithinTheFp16Gelu() {
    List<LabelledExample> labelled = labelledClaims(16, 5);
    List<ScoreRequest> requests = scorer.leaveOneOutRequests(labelled);
    ScoreResult http = scorer.scoreLeaveOneOut(BINARY, labelled);
    GgufReference ggml = fixture.reference(GgufReference.Gelu.GGML);
    int trueId = fixture.world.vocabulary().indexOf("True");
    int falseId = fixture.world.vocabulary().indexOf("False");
    double vsGgml = 0;
    for (int i = 0; i < requests.size(); i++) {
      double[] ref = ggml.nextTokenLogProbs(prompt(requests.get(i)));
      vsGgml = Math.max(vsGgml, Math.max(Math.abs(http.row(i)[0] - ref[trueId]), Math.abs(http.row(i)[1] - ref[falseId])));
    }
    double vsDjl = 0;
    try (DemoCommand.Model model = DemoCommand.Model.open(null, null, fixture.world);
        DjlScorer djl = model.scorer()) {
      ScoreResult d = djl.score(BINARY, requests);
      for (int i = 0; i < requests.size(); i++) {
        for (int k = 0; k < 2; k++) {
          vsDjl = Math.max(vsDjl, Math.abs(http.row(i)[k] - d.row(i)[k]));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    System.out.printf("max |label log-prob difference| over %d leave-one-out rows: vs ggml reference %.2e, vs DjlScorer %.2e%n",
        requests.size(), vsGgml, vsDjl);
    assertThat(vsGgml).isLessThan(1e-3);
    assertThat(vsDjl).isLessThan(5e-2);
  }

  @Test
  void divideAndConquerOrderMakesTheServerEvaluateTheFewestTokens() {
    List<LabelledExample> labelled = labelledClaims(16, 7);
    long[] evaluated = new long[3];
    HttpScorer.LeaveOneOut[] modes = HttpScorer.LeaveOneOut.values();
    for (int m = 0; m < modes.length; m++) {
      try (HttpScorer s = fixture.scorer().leaveOneOut(modes[m]).build()) {
        s.scoreLeaveOneOut(BINARY, labelled); // warm: the first call also fills the cache
        ServerCounters before = s.counters();
        s.scoreLeaveOneOut(BINARY, labelled);
        evaluated[m] = s.counters().minus(before).evaluatedTokens();
      }
    }
    System.out.printf("tokens evaluated per leave-one-out rescore of 16: plain %d, shared prefix %d, divide and conquer %d%n",
        evaluated[0], evaluated[1], evaluated[2]);
    assertThat(evaluated[2]).isLessThan(evaluated[1]);
    assertThat(evaluated[1]).isLessThan(evaluated[0]);
  }

  @Test
  void demoWithTheLlamaServerGivesTheLabelsOfTheDjlRun(@org.junit.jupiter.api.io.TempDir java.nio.file.Path out)
      throws java.io.IOException {
    String[] small = {"--train-claims", "12", "--test-claims", "8", "--seed", "3"};
    java.io.StringWriter djlOut = new java.io.StringWriter();
    java.io.StringWriter httpOut = new java.io.StringWriter();
    java.util.List<String> djlArgs = new ArrayList<>(List.of(small));
    djlArgs.addAll(List.of("--out", out.resolve("djl").toString()));
    java.util.List<String> httpArgs = new ArrayList<>(List.of(small));
    httpArgs.addAll(List.of("--out", out.resolve("http").toString(), "--llama-server", fixture.server.url()));

    int djl = DemoCommand.execute(new java.io.PrintWriter(djlOut), new java.io.PrintWriter(System.err), djlArgs.toArray(String[]::new));
    int http = DemoCommand.execute(new java.io.PrintWriter(httpOut), new java.io.PrintWriter(System.err), httpArgs.toArray(String[]::new));

    assertThat(djl).isZero();
    assertThat(http).as("demo with --llama-server: %s", httpOut).isZero();
    assertThat(httpOut.toString()).contains("scorer: HttpScorer(LLAMA_CPP");
    assertThat(java.nio.file.Files.readAllLines(out.resolve("http/labels.jsonl")))
        .isEqualTo(java.nio.file.Files.readAllLines(out.resolve("djl/labels.jsonl")));
  }

  /** The shared scorer contract against the real server. */
  @Nested
  class Contract extends ScorerContract {
    @Override
    protected LabelScorer scorer() {
      return scorer;
    }

    @Override
    protected List<Example> examples() {
      List<Example> out = new ArrayList<>();
      for (LabelledExample e : labelledClaims(6, 11)) {
        out.add(e.example());
      }
      return out;
    }

    @Override
    protected java.util.Optional<org.icm4j.text.LeaveOneOutOrder> leaveOneOutOrder() {
      return java.util.Optional.of(scorer.leaveOneOutOrder());
    }

    @Override
    protected double tolerance() {
      return 1e-4; // float32 on another batch layout
    }
  }
}

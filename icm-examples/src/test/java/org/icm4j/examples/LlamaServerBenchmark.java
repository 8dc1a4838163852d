package org.icm4j.examples;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.GgufReference;
import org.icm4j.http.HttpScorer;
import org.icm4j.http.ServerCounters;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * The figures of docs/benchmarks.md, "Scoring over HTTP": the embedded world model exported to
 * GGUF and served by a real llama-server on 127.0.0.1. (1) max |label log-prob difference| of the
 * HTTP scorer against DjlScorer and against the plain-Java reference with ggml's and with
 * PyTorch's GELU; (2) tokens the server evaluated per leave-one-out rescore (its {@code
 * timings.prompt_n}) in plain, shared-prefix and divide-and-conquer order; (3) requests per second
 * against {@code -np 4} with 1, 4 and 16 requests in flight.
 *
 * <pre>{@code
 * scripts/build-llama-server.sh
 * mvn -B -q install -DskipTests
 * nice -n 10 mvn -B -q -pl icm-examples exec:java -Dexec.mainClass=org.icm4j.examples.LlamaServerBenchmark \
 *   -Dexec.args="5"              # all figures, 5 throughput rounds ("9 throughput": the rates only)
 * }</pre>
 */
public final class LlamaServerBenchmark {
  private LlamaServerBenchmark() {}

  private static final LabelSpace BINARY = LabelSpace.binary();

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    ClaimSet claims = world.truthTask(32, 1);
    List<LabelledExample> all = WorldProbe.labelled(claims.examples(), claims.gold());
    if (args.length > 1 && args[1].equals("throughput")) {
      throughput(world, all.subList(0, 32), rounds);
      return;
    }
    try (LlamaServerFixture f = LlamaServerFixture.start(1);
        HttpScorer http = f.scorer().build();
        DemoCommand.Model model = DemoCommand.Model.open(null, null, world);
        DjlScorer djl = model.scorer()) {
      System.out.println("server: " + http + ", log " + f.dir.resolve("server.log"));
      accuracy(f, http, djl, all.subList(0, 32));
      int demo = http.tokenize(all.get(0).example().prompt() + " True\n").length;
      int query = http.tokenize(all.get(0).example().prompt()).length;
      int max = (256 - 1 - query) / demo + 1; // the server needs room for the label token
      System.out.printf(Locale.ROOT, "%n## tokens evaluated per leave-one-out rescore (%d tokens per demonstration, -np 1)%n%n", demo);
      System.out.println("| n | plain | shared prefix | divide and conquer | n(log2 n + 1) x demo | n^2/2 x demo | requests |");
      System.out.println("|---|---|---|---|---|---|---|");
      for (int n : new int[] {8, 16, 32, Math.min(max, all.size())}) {
        long[] evaluated = new long[3];
        long requests = 0;
        for (HttpScorer.LeaveOneOut mode : HttpScorer.LeaveOneOut.values()) {
          try (HttpScorer s = f.scorer().leaveOneOut(mode).build()) {
            s.scoreLeaveOneOut(BINARY, all.subList(0, n));
            ServerCounters before = s.counters();
            s.scoreLeaveOneOut(BINARY, all.subList(0, n));
            ServerCounters d = s.counters().minus(before);
            evaluated[mode.ordinal()] = d.evaluatedTokens();
            requests = d.requests();
          }
        }
        double log2 = Math.log(n) / Math.log(2);
        System.out.printf(Locale.ROOT, "| %d | %d | %d | %d | %.0f | %.0f | %d |%n", n, evaluated[0], evaluated[1],
            evaluated[2], n * (log2 + 1) * demo, n * n / 2.0 * demo, requests);
      }
    }
    defaults(world, all.subList(0, 32));
    throughput(world, all.subList(0, 32), rounds);
  }

  /** The same rows against a server with llama.cpp's default flash-attention and f16 KV cache. */
  private static void defaults(SyntheticWorld world, List<LabelledExample> labelled) throws IOException {
    try (LlamaServerFixture f = LlamaServerFixture.start(1, false);
        HttpScorer http = f.scorer().build();
        DemoCommand.Model model = DemoCommand.Model.open(null, null, world);
        DjlScorer djl = model.scorer()) {
      List<ScoreRequest> requests = http.leaveOneOutRequests(labelled);
      ScoreResult h = http.scoreLeaveOneOut(BINARY, labelled);
      ScoreResult d = djl.score(BINARY, requests);
      GgufReference ggml = f.reference(GgufReference.Gelu.GGML);
      int[] ids = {f.world.vocabulary().indexOf("True"), f.world.vocabulary().indexOf("False")};
      double vsDjl = 0;
      double vsGgml = 0;
      for (int i = 0; i < requests.size(); i++) {
        double[] g = ggml.nextTokenLogProbs(prompt(http, requests.get(i)));
        for (int k = 0; k < 2; k++) {
          vsDjl = Math.max(vsDjl, Math.abs(h.row(i)[k] - d.row(i)[k]));
          vsGgml = Math.max(vsGgml, Math.abs(h.row(i)[k] - g[ids[k]]));
        }
      }
      System.out.printf(Locale.ROOT, "%n## the same %d rows against llama-server with its default flags (no -fa off -ctk f32 -ctv f32)%n%n", requests.size());
      System.out.printf(Locale.ROOT, "| pair | max abs difference |%n|---|---|%n");
      System.out.printf(Locale.ROOT, "| llama-server with default flags vs DjlScorer | %.2e |%n", vsDjl);
      System.out.printf(Locale.ROOT, "| llama-server with default flags vs reference with ggml's fp16 GELU | %.2e |%n", vsGgml);
    }
  }

  private static void accuracy(LlamaServerFixture f, HttpScorer http, DjlScorer djl, List<LabelledExample> labelled) {
    List<ScoreRequest> requests = http.leaveOneOutRequests(labelled);
    ScoreResult h = http.scoreLeaveOneOut(BINARY, labelled);
    ScoreResult d = djl.score(BINARY, requests);
    GgufReference ggml = f.reference(GgufReference.Gelu.GGML);
    GgufReference erf = f.reference(GgufReference.Gelu.ERF);
    int[] ids = {f.world.vocabulary().indexOf("True"), f.world.vocabulary().indexOf("False")};
    double httpDjl = 0;
    double httpGgml = 0;
    double erfDjl = 0;
    double ggmlDjl = 0;
    for (int i = 0; i < requests.size(); i++) {
      int[] prompt = prompt(http, requests.get(i));
      double[] g = ggml.nextTokenLogProbs(prompt);
      double[] e = erf.nextTokenLogProbs(prompt);
      for (int k = 0; k < 2; k++) {
        httpDjl = Math.max(httpDjl, Math.abs(h.row(i)[k] - d.row(i)[k]));
        httpGgml = Math.max(httpGgml, Math.abs(h.row(i)[k] - g[ids[k]]));
        erfDjl = Math.max(erfDjl, Math.abs(e[ids[k]] - d.row(i)[k]));
        ggmlDjl = Math.max(ggmlDjl, Math.abs(g[ids[k]] - d.row(i)[k]));
      }
    }
    System.out.printf(Locale.ROOT, "%n## max |label log-prob difference| over the %d leave-one-out rows of n = %d%n%n", requests.size(), labelled.size());
    System.out.printf(Locale.ROOT, "| pair | max abs difference |%n|---|---|%n");
    System.out.printf(Locale.ROOT, "| llama-server vs DjlScorer | %.2e |%n", httpDjl);
    System.out.printf(Locale.ROOT, "| llama-server vs reference with ggml's fp16 GELU | %.2e |%n", httpGgml);
    System.out.printf(Locale.ROOT, "| reference with ggml's GELU vs DjlScorer | %.2e |%n", ggmlDjl);
    System.out.printf(Locale.ROOT, "| reference with exact GELU vs DjlScorer | %.2e |%n", erfDjl);
  }

  private static int[] prompt(HttpScorer http, ScoreRequest r) {
    StringBuilder text = new StringBuilder();
    for (LabelledExample d : r.context()) {
      text.append(d.example().prompt()).append(' ').append(d.label()).append('\n');
    }
    return http.tokenize(text.append(r.query().prompt()).toString());
  }

  private static void throughput(SyntheticWorld world, List<LabelledExample> labelled, int rounds) {
    int[] inFlight = {1, 4, 16};
    try (LlamaServerFixture f = LlamaServerFixture.start(4)) {
      HttpScorer[] scorers = new HttpScorer[inFlight.length];
      double[][] rates = new double[inFlight.length][rounds];
      long[] tokens = new long[inFlight.length];
      try {
        for (int c = 0; c < inFlight.length; c++) {
          scorers[c] = f.scorer().maxInFlight(inFlight[c]).build();
          scorers[c].scoreLeaveOneOut(BINARY, labelled); // warm
        }
        // the settings alternate within each round, so that the machine's load falls on all alike
        for (int r = 0; r < rounds; r++) {
          for (int c = 0; c < inFlight.length; c++) {
            ServerCounters before = scorers[c].counters();
            long start = System.nanoTime();
            scorers[c].scoreLeaveOneOut(BINARY, labelled);
            scorers[c].scoreLeaveOneOut(BINARY, labelled);
            double seconds = (System.nanoTime() - start) / 1e9;
            ServerCounters d = scorers[c].counters().minus(before);
            rates[c][r] = d.requests() / seconds;
            tokens[c] = d.evaluatedTokens() / 2;
          }
        }
      } finally {
        for (HttpScorer s : scorers) {
          if (s != null) {
            s.close();
          }
        }
      }
      System.out.printf(Locale.ROOT, "%n## requests per second against llama-server -np 4 -t " + Integer.getInteger("icm4j.llamaThreads", 2) + " (leave-one-out rescores of n = %d, divide and conquer)%n%n", labelled.size());
      System.out.println("| in flight | requests/s (median of " + rounds + ") | all runs | tokens evaluated per rescore |");
      System.out.println("|---|---|---|---|");
      for (int c = 0; c < inFlight.length; c++) {
        double[] sorted = rates[c].clone();
        Arrays.sort(sorted);
        List<String> runs = new ArrayList<>();
        for (double x : rates[c]) {
          runs.add(String.format(Locale.ROOT, "%.1f", x));
        }
        System.out.printf(Locale.ROOT, "| %d | %.1f | %s | %d |%n", inFlight[c], sorted[rounds / 2], String.join(", ", runs), tokens[c]);
      }
    }
  }
}

package org.icm4j.internal.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.CancellationToken;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.RunStatus;
import org.icm4j.search.Searches;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * The small run whose checkpoints are the golden files under {@code
 * src/test/resources/checkpoints} ({@link GoldenCheckpointTest}): 16 examples in 8 groups of two
 * answers, two batches of 8, two chains, the paper's annealing and the default search, each
 * cancelled in batch 1 at chain 1 so that the file holds the header, the finished batch 0, the
 * finished chain 0 and the unfinished chain 1 of batch 1.
 *
 * <p>Everything the file's fingerprint covers is fixed here: the examples, the settings and the
 * scorer's class name ({@code org.icm4j.internal.checkpoint.GoldenRun$Scorer}); do not move or
 * rename this class without regenerating the files. Regenerate them (after a change of the format,
 * see docs/architecture.md, "Changing the checkpoint format") with
 *
 * <pre>{@code
 * mvn -B -q -pl icm-core test-compile exec:java \
 *     -Dexec.mainClass=org.icm4j.internal.checkpoint.GoldenRun \
 *     -Dexec.args=icm-core/src/test/resources/checkpoints
 * }</pre>
 *
 * from the repository's root, which writes {@code format-<N>-annealing.ckpt} and {@code format-<N>-default.ckpt} there, N
 * being the format the code writes.
 */
public final class GoldenRun {
  private GoldenRun() {}

  /** The two searches of the golden files. */
  enum Variant {
    ANNEALING,
    DEFAULT
  }

  /** 16 examples: groups q0..q7, each with answers a and b; a is right in even groups, b in odd. */
  static List<Example> examples() {
    List<Example> out = new ArrayList<>();
    for (int g = 0; g < 8; g++) {
      for (String a : List.of("a", "b")) {
        out.add(
            new Example(
                "q" + g + a, "question " + g + ": is answer " + a + " right?", "q" + g, Map.of("answer", a)));
      }
    }
    return out;
  }

  /** Whether an example's answer is the right one (the scorer's hidden truth). */
  static boolean right(Example e) {
    int g = e.group().charAt(1) - '0';
    return e.attributes().get("answer").equals(g % 2 == 0 ? "a" : "b");
  }

  /**
   * A scorer whose log-odds for "True" follow how well the context's labels agree with the hidden
   * truth, plus a weak zero-shot lean towards it: a deterministic function of the request. Thread-
   * safe (stateless).
   */
  public static final class Scorer implements LabelScorer {
    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      List<double[]> rows = new ArrayList<>(requests.size());
      long tokens = 0;
      for (ScoreRequest r : requests) {
        int agree = 0;
        for (LabelledExample le : r.context()) {
          agree += le.label().equals("True") == right(le.example()) ? 1 : -1;
        }
        double lean = right(r.query()) ? 1 : -1;
        double logit = lean * (0.4 + 2.0 * agree / (r.context().size() + 1));
        double pTrue = 1 / (1 + Math.exp(-logit));
        rows.add(new double[] {Math.log(1 - pTrue), Math.log(pTrue)});
        tokens += r.context().size() + 1;
      }
      return new ScoreResult(rows, tokens);
    }

    @Override
    public String toString() {
      return "GoldenRun.Scorer";
    }
  }

  /** The run of a variant, without its checkpoint. */
  static Icm.Builder builder(Variant variant) {
    Icm.Builder b =
        Icm.builder().scorer(new Scorer()).rule(Rules.exactlyOne()).chains(2).batchSize(8).seed(2026);
    return switch (variant) {
      case ANNEALING -> b.search(Searches.paper().withIterations(40).withKeepBest(true));
      case DEFAULT -> b;
    };
  }

  /** The checkpoint interval of the golden runs. */
  static final int EVERY = 20;

  /** Where each variant is cancelled: this record of chain 1 of batch 1. */
  static int cancelAt(Variant variant) {
    return variant == Variant.ANNEALING ? 25 : 8;
  }

  /** Runs a variant with a checkpoint at {@code file}, cancelled in batch 1 at chain 1. */
  static IcmResult cancelledRun(Variant variant, Path file) {
    CancellationToken token = new CancellationToken();
    IcmListener listener =
        new IcmListener() {
          @Override
          public void onIteration(int batch, int chain, IterationRecord record) {
            if (batch == 1 && chain == 1 && record.iteration() == cancelAt(variant)) {
              token.cancel();
            }
          }
        };
    return builder(variant).checkpoint(file, EVERY).listener(listener).build().run(examples(), token);
  }

  /**
   * Writes the golden files of the format this code writes into the directory {@code args[0]}.
   */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "src/test/resources/checkpoints");
    Files.createDirectories(out);
    Path work = Files.createTempDirectory("golden");
    for (Variant v : Variant.values()) {
      Path file = work.resolve(v + ".ckpt");
      IcmResult r = cancelledRun(v, file);
      if (r.status() != RunStatus.CANCELLED) {
        throw new IllegalStateException(v + " was not cancelled: " + r.status());
      }
      String header = Files.readAllLines(file, StandardCharsets.UTF_8).get(0);
      int format = new ObjectMapper().readTree(header.substring(65)).get("format").intValue();
      Path target = out.resolve("format-" + format + "-" + v.name().toLowerCase(java.util.Locale.ROOT) + ".ckpt");
      Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
      System.out.println("wrote " + target + " (" + Files.size(target) + " bytes)");
    }
  }
}

package org.icm4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.LeaveOneOutPlan;

/**
 * The cost per final label against the official code's call pattern (issue 21, item 3), counted in
 * <em>example encodings</em> (a demonstration or a query read once; tokens scale with them) on a
 * planted world of n = 256 (docs/benchmarks.md, "Cost per final label"):
 *
 * <ul>
 *   <li>(a) the official pattern without a cache: the paper's annealing (one chain, 1000
 *       iterations, no score memo: every proposal is followed by a full leave-one-out re-score),
 *       each query its own request with every other labelled example as its context, in id order:
 *       a re-score of L labels costs L (L - 1) demonstrations and L queries;
 *   <li>(b) the same requests served by an ideal prefix cache that remembers every prefix ever
 *       computed (vLLM's automatic prefix caching at its best): a request costs the encodings after
 *       its longest prefix read before by any request;
 *   <li>(c) icm4j's default search (with its score memo) on a divide-and-conquer scorer: a
 *       leave-one-out call of L labels costs its plan's demonstrations plus L queries, a call of
 *       requests reads each run of requests with one context once plus one query each.
 * </ul>
 *
 * It also prints the paper's annealing's iterations, scorer calls and requests per final label, and
 * each search's agreement with the planted concept. Run with {@code mvn -B -q -pl icm-core
 * test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=org.icm4j.testing.CostStudy
 * -Dexec.args="8 1000 0"} (the number of run seeds on world 1000, the annealing's iterations,
 * the first seed; give it a large heap, {@code MAVEN_OPTS=-Xmx17g}: the ideal cache's set of
 * prefixes holds hundreds of millions of hashes when the annealing does not settle).
 */
public final class CostStudy {
  private CostStudy() {}

  /** Counts what a scorer's calls cost under the three ways of serving them. */
  static final class Counting implements LabelScorer {
    final LabelScorer inner;
    final PrefixCache cache;
    long calls;
    long requests;
    long noCache;
    long prefixCached;
    long divideAndConquer;

    Counting(LabelScorer inner, boolean withCache) {
      this.inner = inner;
      this.cache = withCache ? new PrefixCache() : null;
    }

    @Override
    public ScoreResult score(LabelSpace space, List<ScoreRequest> rs) {
      calls++;
      requests += rs.size();
      List<LabelledExample> last = null;
      for (ScoreRequest r : rs) {
        noCache += r.context().size() + 1;
        if (!r.context().equals(last)) {
          divideAndConquer += r.context().size();
          last = r.context();
        }
        divideAndConquer += 1;
        if (cache != null) {
          long[] units = new long[r.context().size() + 1];
          for (int j = 0; j < r.context().size(); j++) {
            units[j] = demo(r.context().get(j));
          }
          units[units.length - 1] = query(r.query().id());
          prefixCached += cache.read(units);
        }
      }
      return inner.score(space, rs);
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace space, List<LabelledExample> labelled) {
      calls++;
      int n = labelled.size();
      requests += n;
      noCache += (long) n * n;
      divideAndConquer +=
          LeaveOneOutPlan.of(LeaveOneOutOrder.DIVIDE_AND_CONQUER, n).demonstrationsForwarded() + n;
      if (cache != null) {
        long[] demos = new long[n];
        for (int j = 0; j < n; j++) {
          demos[j] = demo(labelled.get(j));
        }
        long[] units = new long[n];
        for (int i = 0; i < n; i++) {
          int k = 0;
          for (int j = 0; j < n; j++) {
            if (j != i) {
              units[k++] = demos[j];
            }
          }
          units[k] = query(labelled.get(i).example().id());
          prefixCached += cache.read(units);
        }
      }
      return inner.scoreLeaveOneOut(space, labelled);
    }

    private static long demo(LabelledExample d) {
      return mix(d.example().id().hashCode() * 31L + d.label().hashCode());
    }

    private static long query(String id) {
      return mix(id.hashCode() * 31L + 0x5bd1e995L);
    }
  }

  /**
   * Every prefix ever read, as 64-bit hashes of the sequence of units in an open-addressing set.
   * Prefixes are closed under shortening, so the longest cached prefix is found by bisection.
   */
  static final class PrefixCache {
    private long[] slots = new long[1 << 20];
    private int size;

    /** Reads a sequence; returns how many of its units were not cached (and caches them). */
    long read(long[] units) {
      long[] prefix = new long[units.length];
      long h = 0x9E3779B97F4A7C15L;
      for (int i = 0; i < units.length; i++) {
        h = mix(h * 0x100000001B3L ^ units[i]);
        prefix[i] = h == 0 ? 1 : h;
      }
      int lo = 0; // prefixes of length <= lo are cached
      int hi = units.length; // the prefix of length hi + 1 .. is not known to be cached
      while (lo < hi) {
        int mid = (lo + hi + 1) >>> 1;
        if (contains(prefix[mid - 1])) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      for (int i = lo; i < units.length; i++) {
        add(prefix[i]);
      }
      return units.length - lo;
    }

    private boolean contains(long key) {
      int mask = slots.length - 1;
      for (int i = (int) (key ^ (key >>> 32)) & mask; ; i = (i + 1) & mask) {
        if (slots[i] == 0) {
          return false;
        }
        if (slots[i] == key) {
          return true;
        }
      }
    }

    private void add(long key) {
      if (10L * (size + 1) > 7L * slots.length) { // load factor 0.7: seeds 1 and 2 need > 2^29 prefixes
        long[] old = slots;
        slots = new long[old.length * 2];
        size = 0;
        for (long k : old) {
          if (k != 0) {
            add(k);
          }
        }
      }
      int mask = slots.length - 1;
      for (int i = (int) (key ^ (key >>> 32)) & mask; ; i = (i + 1) & mask) {
        if (slots[i] == 0) {
          slots[i] = key;
          size++;
          return;
        }
        if (slots[i] == key) {
          return;
        }
      }
    }
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  public static void main(String[] args) {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int first = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(64, 1000));
    int n = w.examples().size();
    System.out.printf(
        Locale.ROOT, "planted world 1000, n = %d, rules exactlyOne + answerKey, run seeds %d..%d%n", n, first, first + seeds - 1);
    System.out.println(
        "| search, served as | seed | agreement | labels | scorer calls per label | requests (queries)"
            + " per label | iterations per label | example encodings per label |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    List<double[]> sums = new ArrayList<>();
    for (int s = first; s < first + seeds; s++) {
      Counting official = new Counting(w.scorer(), true);
      IcmResult a =
          Icm.builder().scorer(official).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"))
              .search(Searches.paper().withIterations(iterations)).scoreMemo(0).seed(s).build()
              .run(w.examples());
      Counting ours = new Counting(w.scorer(), false);
      IcmResult c =
          Icm.builder().scorer(ours).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer")).seed(s)
              .build().run(w.examples());
      double la = a.labels().labelledCount();
      double lc = c.labels().labelledCount();
      double agreeA = PlantedReport.agreementOverAll(a, w);
      double agreeC = PlantedReport.agreementOverAll(c, w);
      double it = iterations / la;
      print("(a) official pattern, no cache", s, agreeA, la, official.calls / la, official.requests / la, it, official.noCache / la);
      print("(b) official pattern, ideal prefix cache", s, agreeA, la, official.calls / la, official.requests / la, it, official.prefixCached / la);
      print("(c) icm4j default, divide and conquer", s, agreeC, lc, ours.calls / lc, ours.requests / lc, Double.NaN, ours.divideAndConquer / lc);
      sums.add(new double[] {official.noCache / la, official.prefixCached / la, ours.divideAndConquer / lc, agreeA, agreeC});
    }
    double[] mean = new double[5];
    for (double[] r : sums) {
      for (int k = 0; k < 5; k++) {
        mean[k] += r[k] / sums.size();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "mean encodings per label: (a) %.0f, (b) %.0f, (c) %.0f; (a)/(c) %.1fx, (b)/(c) %.1fx;"
            + " mean agreement: official %.3f, default %.3f%n",
        mean[0], mean[1], mean[2], mean[0] / mean[2], mean[1] / mean[2], mean[3], mean[4]);
  }

  private static void print(
      String name, int seed, double agreement, double labels, double calls, double requests, double iterations,
      double encodings) {
    System.out.printf(
        Locale.ROOT, "| %s | %d | %.3f | %.0f | %.2f | %.1f | %s | %.0f |%n", name, seed, agreement, labels, calls,
        requests, Double.isNaN(iterations) ? "-" : String.format(Locale.ROOT, "%.2f", iterations), encodings);
  }
}

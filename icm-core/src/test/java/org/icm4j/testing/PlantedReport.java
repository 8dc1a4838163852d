package org.icm4j.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.icm4j.Icm;
import org.icm4j.IcmResult;
import org.icm4j.ProposalMode;
import org.icm4j.Rules;
import org.icm4j.eval.Evaluation;

/**
 * Prints the planted-concept figures of docs/benchmarks.md: agreement with the planted labels with
 * and without rules, and with 1 vs 4 chains, over several world seeds. Run with
 * {@code mvn -q -pl icm-core -am test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.icm4j.testing.PlantedReport}.
 */
public final class PlantedReport {
  private PlantedReport() {}

  public static void main(String[] args) {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    double alpha = args.length > 1 ? Double.parseDouble(args[1]) : Icm.DEFAULT_ALPHA;
    int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    ProposalMode proposal = args.length > 3 ? ProposalMode.valueOf(args[3]) : ProposalMode.ARGMAX;
    int groups = 64;
    System.out.printf(
        "planted concept, n=%d (groups of 4), alpha=%s, iterations=%d, proposal=%s, %d world seeds%n",
        groups * 4, alpha, iterations, proposal, seeds);
    for (boolean rules : new boolean[] {true, false}) {
      for (int chains : new int[] {1, 4}) {
        List<Double> agreements = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
          PlantedWorld w = PlantedWorld.generate(PlantedWorld.Spec.standard(groups, 1000 + s));
          Icm.Builder b = Icm.builder()
                  .scorer(w.scorer())
                  .seed(s)
                  .alpha(alpha)
                  .iterations(iterations)
                  .proposal(proposal)
                  .chains(chains);
          if (rules) {
            b.rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"));
          }
          IcmResult r = b.build().run(w.examples());
          agreements.add(Evaluation.agreement(r.labels(), w.gold()));
        }
        Collections.sort(agreements);
        double mean = agreements.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        System.out.printf(
            "rules=%-5s chains=%d  mean agreement %.3f  min %.3f  median %.3f  all %s%n",
            rules, chains, mean, agreements.get(0), agreements.get(agreements.size() / 2), agreements);
      }
    }
  }
}

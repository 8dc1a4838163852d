package org.icm4j.testing;

import java.nio.file.Path;
import org.icm4j.Icm;
import org.icm4j.Rules;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;

/**
 * A small run with a checkpoint, for a child JVM to be killed in: the planted world's scorer made
 * slow enough that the run takes seconds. The parent resumes the same run, with the same scorer
 * class and no delay. Run as {@code KillableRun <checkpoint file> paper|default <delay micros>}.
 */
public final class KillableRun {
  private KillableRun() {}

  /** The world of the run. */
  public static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(12, 21));

  /** The run: three batches of 16, two chains; the paper's annealing without a score memo. */
  public static Icm.Builder builder(boolean paper, LabelScorer scorer) {
    Icm.Builder b =
        Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer")).chains(2)
            .batchSize(16).seed(4);
    return paper ? b.search(Searches.paper().withIterations(40)).scoreMemo(0) : b;
  }

  /** The checkpoint interval of the run. */
  public static final int EVERY = 3;

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    boolean paper = args[1].equals("paper");
    long delay = Long.parseLong(args[2]);
    builder(paper, new SlowScorer(WORLD, delay)).checkpoint(file, EVERY).build().run(WORLD.examples());
    System.out.println("finished");
  }
}

package org.icm4j.search;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import org.icm4j.Icm;
import org.icm4j.internal.Annealing;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.spi.search.ExampleSampler;
import org.icm4j.spi.search.SearchProblem;
import org.icm4j.spi.search.SearchSettings;
import org.icm4j.spi.search.SearchStrategy;
import org.icm4j.spi.search.TemperatureSchedule;

/**
 * The paper's search, as the official code runs it: simulated annealing (Algorithm 1) with
 * ConsistencyFix (Algorithm 2) over partial labelings, from K random labels ({@link
 * Icm.Builder#initialLabels}), rules as penalties in U. Get one from {@link Searches#paper()}, whose
 * settings are the paper's, and change them with the {@code with...} methods:
 *
 * <pre>{@code
 * Icm.builder().search(Searches.paper().withIterations(2000).withKeepBest(true))
 * }</pre>
 *
 * <p>Each setting enters the run's provenance and checkpoint fingerprint ({@link #describe()}).
 * Immutable and thread-safe.
 */
public final class AnnealingSearch implements SearchStrategy {
  static final AnnealingSearch PAPER =
      new AnnealingSearch(
          Icm.DEFAULT_ITERATIONS,
          Icm.DEFAULT_FIX_ROUNDS,
          ProposalMode.ARGMAX,
          TemperatureSchedule.officialLog(Icm.DEFAULT_T0, Icm.DEFAULT_T_MIN),
          ExampleSampler.groupMatesFirst(Icm.DEFAULT_GROUP_MATE_BOOST),
          false);

  private final int iterations;
  private final int fixRounds;
  private final ProposalMode proposal;
  private final TemperatureSchedule schedule;
  private final ExampleSampler sampler;
  private final boolean keepBest;

  private AnnealingSearch(
      int iterations,
      int fixRounds,
      ProposalMode proposal,
      TemperatureSchedule schedule,
      ExampleSampler sampler,
      boolean keepBest) {
    this.iterations = iterations;
    this.fixRounds = fixRounds;
    this.proposal = proposal;
    this.schedule = schedule;
    this.sampler = sampler;
    this.keepBest = keepBest;
  }

  /**
   * N, iterations per chain and batch; the paper's {@value Icm#DEFAULT_ITERATIONS}.
   *
   * @return N, iterations per chain and batch
   */
  public int iterations() {
    return iterations;
  }

  /**
   * M, ConsistencyFix rounds per iteration; the paper's {@value Icm#DEFAULT_FIX_ROUNDS}.
   *
   * @return M, ConsistencyFix rounds per iteration
   */
  public int fixRounds() {
    return fixRounds;
  }

  /**
   * How a label is proposed; the paper's {@link ProposalMode#ARGMAX}.
   *
   * @return how a label is proposed
   */
  public ProposalMode proposal() {
    return proposal;
  }

  /**
   * The temperature schedule; the official {@code officialLog(10, 0.01)}.
   *
   * @return the temperature schedule
   */
  public TemperatureSchedule schedule() {
    return schedule;
  }

  /**
   * Picks the example of each iteration; the official {@code groupMatesFirst(100)}.
   *
   * @return picks the example of each iteration
   */
  public ExampleSampler sampler() {
    return sampler;
  }

  /**
   * Whether each chain returns the best labeling it visited; the paper returns its final one.
   *
   * @return whether each chain returns the best labeling it visited
   */
  public boolean keepBest() {
    return keepBest;
  }

  /**
   * With N iterations per chain and batch.
   *
   * @throws IllegalArgumentException when {@code iterations < 0}
   *
   * @param iterations the iterations
   * @return with N iterations per chain and batch
   */
  public AnnealingSearch withIterations(int iterations) {
    checkArgument(iterations >= 0, "iterations must be >= 0, but was %s", iterations);
    return new AnnealingSearch(iterations, fixRounds, proposal, schedule, sampler, keepBest);
  }

  /**
   * With M ConsistencyFix rounds per iteration (0 turns ConsistencyFix off).
   *
   * @throws IllegalArgumentException when {@code fixRounds < 0}
   *
   * @param fixRounds the fix rounds
   * @return with M ConsistencyFix rounds per iteration (0 turns ConsistencyFix off)
   */
  public AnnealingSearch withFixRounds(int fixRounds) {
    checkArgument(fixRounds >= 0, "fixRounds (M) must be >= 0, but was %s", fixRounds);
    return new AnnealingSearch(iterations, fixRounds, proposal, schedule, sampler, keepBest);
  }

  /**
   * With another proposal mode.
   *
   * @param proposal the proposal
   * @return with another proposal mode
   */
  public AnnealingSearch withProposal(ProposalMode proposal) {
    return new AnnealingSearch(
        iterations, fixRounds, requireNonNull(proposal, "proposal"), schedule, sampler, keepBest);
  }

  /**
   * With another temperature schedule.
   *
   * @param schedule the schedule
   * @return with another temperature schedule
   */
  public AnnealingSearch withSchedule(TemperatureSchedule schedule) {
    return new AnnealingSearch(
        iterations, fixRounds, proposal, requireNonNull(schedule, "schedule"), sampler, keepBest);
  }

  /**
   * With another example sampler.
   *
   * @param sampler the sampler
   * @return with another example sampler
   */
  public AnnealingSearch withSampler(ExampleSampler sampler) {
    return new AnnealingSearch(
        iterations, fixRounds, proposal, schedule, requireNonNull(sampler, "sampler"), keepBest);
  }

  /**
   * Whether each chain returns the labeling of highest U it visited (true) or its final labeling
   * (false, as in the paper). At the official schedule's temperatures (which stay near 1 for
   * hundreds of accepted moves) the final labeling can be a step away from the best one.
   *
   * @param keepBest the keep best
   * @return whether each chain returns the labeling of highest U it visited (true) or its final
   *     labeling (false, as in the paper)
   */
  public AnnealingSearch withKeepBest(boolean keepBest) {
    return new AnnealingSearch(iterations, fixRounds, proposal, schedule, sampler, keepBest);
  }

  @Override
  public ChainOutcome search(SearchProblem problem) {
    return Annealing.search(problem, this);
  }

  /** {@code search=annealing} and each of its settings. */
  @Override
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("search", "annealing");
    m.put("iterations", Integer.toString(iterations));
    m.put("fixRounds", Integer.toString(fixRounds));
    m.put("proposal", proposal.name());
    m.put("schedule", schedule.toString());
    m.put("sampler", sampler.toString());
    m.put("keepBest", Boolean.toString(keepBest));
    return m;
  }

  /** K must not exceed the data set: the chain starts from K random labels. */
  @Override
  public void validate(int examples, SearchSettings settings) {
    checkArgument(
        settings.initialLabels() <= examples,
        "initialLabels (K=%s) is larger than the data set (%s examples): lower K or add examples",
        settings.initialLabels(),
        examples);
  }

  /** More chains: each chain of annealing is one start. */
  @Override
  public String adviceWhenUnconfirmed(int chains) {
    return "run more chains (chains(" + Math.max(4, 2 * chains) + "))";
  }

  @Override
  public String adviceWhenRulesBroken() {
    return "the paper's annealing weighs rules against alpha * P; lower alpha, or use the default"
        + " search, which treats rules as constraints";
  }

  @Override
  public int maxIterations() {
    return iterations;
  }

  @Override
  public boolean historyCountsIterations() {
    return true;
  }

  /**
   * Equal settings; schedules and samplers compare by their descriptions ({@code toString}), as
   * provenance and checkpoints record them.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof AnnealingSearch a && a.describe().equals(describe());
  }

  @Override
  public int hashCode() {
    return describe().hashCode();
  }

  /** A stable description of every setting. */
  @Override
  public String toString() {
    return "annealing(iterations=" + iterations + ", fixRounds=" + fixRounds + ", proposal="
        + proposal + ", schedule=" + schedule + ", sampler=" + sampler + ", keepBest=" + keepBest + ")";
  }
}

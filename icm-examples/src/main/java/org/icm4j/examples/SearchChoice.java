package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Locale;
import org.icm4j.Icm;
import org.icm4j.search.MultiStartSearch;
import org.icm4j.search.RuleHandling;
import org.icm4j.search.Searches;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Which search a command runs, as picocli options shared by the commands: the library's default
 * ({@link Searches#multiStart()}, with {@code --starts}) or the paper's annealing ({@code --search
 * paper}, with {@code --iterations} and {@code --chains}). Not thread-safe (picocli fills it in);
 * {@link #choice()} gives the immutable value.
 */
final class SearchChoice {
  /** Iterations of the paper's annealing in these examples (the library's default is 1000). */
  static final int PAPER_ITERATIONS = 150;

  /** Chains of the paper's annealing in these examples (the library's default is 1). */
  static final int PAPER_CHAINS = 4;

  @Option(names = "--search", defaultValue = "default", paramLabel = "SEARCH",
      description = "default (the library's default: multi-start over complete labelings, rules as"
          + " constraints) or paper (the paper's annealing, rules as penalties); default ${DEFAULT-VALUE}.")
  String search = "default";

  @Option(names = "--starts", paramLabel = "N",
      description = "Starts of the default search (default " + MultiStartSearch.DEFAULT_STARTS + ").")
  @Nullable Integer starts;

  @Option(names = "--rules-as", paramLabel = "HOW",
      description = "How the default search treats the rules: constraints (the fewest violations,"
          + " then the highest P) or penalties (the paper's U); default constraints.")
  @Nullable String rulesAs;

  @Option(names = "--iterations", paramLabel = "N",
      description = "Annealing iterations per chain, with --search paper (default " + PAPER_ITERATIONS
          + " in the world commands, the library's 1000 in gsm8k-cost).")
  @Nullable Integer iterations;

  @Option(names = "--chains", paramLabel = "N",
      description = "Annealing chains (restarts; the best by U is kept, without labels), with --search"
          + " paper (default " + PAPER_CHAINS + " in the world commands, 1 in gsm8k-cost).")
  @Nullable Integer chains;

  /** The options as a value, with the world commands' annealing defaults. */
  Value choice() {
    return choice(PAPER_ITERATIONS, PAPER_CHAINS);
  }

  /**
   * The options as a value.
   *
   * @param paperIterations iterations of {@code --search paper} when {@code --iterations} is not given
   * @param paperChains chains of {@code --search paper} when {@code --chains} is not given
   * @throws IllegalArgumentException for an unknown search or options of the other search
   */
  Value choice(int paperIterations, int paperChains) {
    String s = search.toLowerCase(Locale.ROOT);
    if (s.equals("default")) {
      checkArgument(
          iterations == null && chains == null,
          "--iterations and --chains configure the paper's annealing: add --search paper, or give"
              + " --starts for the default search");
      RuleHandling rules = RuleHandling.CONSTRAINTS;
      if (rulesAs != null) {
        try {
          rules = RuleHandling.valueOf(rulesAs.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "--rules-as must be constraints or penalties, but was '" + rulesAs + "'", e);
        }
      }
      return new Value(false, starts == null ? MultiStartSearch.DEFAULT_STARTS : starts, rules, PAPER_ITERATIONS, 1);
    }
    if (s.equals("paper")) {
      checkArgument(
          starts == null && rulesAs == null,
          "--starts and --rules-as configure the default search, not --search paper");
      return Value.paper(
          iterations == null ? paperIterations : iterations, chains == null ? paperChains : chains);
    }
    throw new IllegalArgumentException("--search must be default or paper, but was '" + search + "'");
  }

  /**
   * A search as a value. Immutable and thread-safe.
   *
   * @param paper the paper's annealing (else the default multi-start search)
   * @param starts starts of the default search
   * @param rules how the default search treats the rules
   * @param iterations annealing iterations per chain
   * @param chains annealing chains
   */
  record Value(boolean paper, int starts, RuleHandling rules, int iterations, int chains) {
    Value {
      java.util.Objects.requireNonNull(rules, "rules");
      checkArgument(starts >= 1, "--starts must be >= 1, but was %s", starts);
      checkArgument(iterations >= 0, "--iterations must be >= 0, but was %s", iterations);
      checkArgument(chains >= 1, "--chains must be >= 1, but was %s", chains);
    }

    /** The library's default search with this many starts. */
    static Value multiStart(int starts) {
      return new Value(false, starts, RuleHandling.CONSTRAINTS, PAPER_ITERATIONS, 1);
    }

    /** The paper's annealing. */
    static Value paper(int iterations, int chains) {
      return new Value(true, MultiStartSearch.DEFAULT_STARTS, RuleHandling.PENALTIES, iterations, chains);
    }

    /** The library's defaults. */
    static Value defaults() {
      return multiStart(MultiStartSearch.DEFAULT_STARTS);
    }

    /** Sets the search on a builder; the default search with its default starts sets nothing. */
    Icm.Builder configure(Icm.Builder b) {
      if (paper) {
        return b.search(Searches.paper().withIterations(iterations)).chains(chains);
      }
      MultiStartSearch search = Searches.multiStart().withStarts(starts).withRules(rules);
      return search.equals(Searches.multiStart()) ? b : b.search(search);
    }

    /** For people: "the default search (16 starts)" or "the paper's annealing (150 iterations x 4 chains)". */
    String describe() {
      return paper
          ? "the paper's annealing (" + iterations + " iterations x " + chains + " chains)"
          : "the default search (" + starts + " starts"
              + (rules == RuleHandling.CONSTRAINTS ? "" : ", rules as penalties") + ")";
    }
  }
}

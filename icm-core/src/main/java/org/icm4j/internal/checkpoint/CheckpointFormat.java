package org.icm4j.internal.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.icm4j.CheckpointException;
import org.icm4j.result.AlternativeLabeling;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.ChainSummary;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.LabelSource;
import org.icm4j.result.RunCounts;
import org.icm4j.spi.search.ChainCheckpoint;
import org.jspecify.annotations.Nullable;

/**
 * The records of a checkpoint file, format {@value #VERSION}, as JSON: this package's own types,
 * never the public result records. Each public type a record holds has a mirror here with the
 * same fields ({@code SummaryLine} for {@link BatchSummary}, {@code IterationLine} for {@link
 * IterationRecord}, ...) and exactly one conversion each way ({@code of(...)} and {@code to...()}).
 * A new field in a public record therefore changes nothing in the file until a mirror and its
 * conversion say so, and that change comes with a new {@link #VERSION} (docs/architecture.md,
 * "Changing the checkpoint format"; {@code GoldenCheckpointTest} fails otherwise).
 *
 * <p>What format 4 changed from format 3: the records are these types (format 3 wrote the public
 * records by reflection, so every field added to a result broke every checkpoint), and a label
 * detail's source is a lower-case word ({@code search}, {@code completion}, {@code trusted}) that
 * no rename of {@link LabelSource} changes. Stateless.
 */
final class CheckpointFormat {
  private CheckpointFormat() {}

  /** The format this version writes, and the only one it reads. */
  static final int VERSION = 4;

  /**
   * The refusal of a checkpoint of another format: it says which side is older and what to do.
   *
   * @param file the checkpoint
   * @param found the format its header (or its JSON document, formats 1 and 2) states
   */
  static CheckpointException refusal(Path file, int found) {
    String what =
        found < VERSION
            ? "written by an earlier icm4j; this one reads format " + VERSION + " only: finish the run"
                + " with the icm4j version that wrote it"
            : "written by a later icm4j; this one reads format " + VERSION + " only: resume it with"
                + " the icm4j version that wrote it (or a later one)";
    return new CheckpointException(
        "checkpoint " + file + " has format " + found + ", " + what + ", or delete the file to start"
            + " afresh (the run then labels every batch again)",
        null);
  }

  // ------------------------------------------------------------------ the records

  /** The first line: the format, the fingerprint and what it was computed from. */
  record HeaderLine(
      int seq,
      String kind,
      int format,
      String fingerprint,
      Map<String, String> configuration,
      List<List<String>> examples) {

    static HeaderLine of(CheckpointStore.Expected e) {
      List<List<String>> examples = new ArrayList<>(e.examples().size());
      for (CheckpointStore.ExampleDigest d : e.examples()) {
        examples.add(List.of(d.id(), d.prompt(), d.group(), d.attributes()));
      }
      return new HeaderLine(0, "header", VERSION, e.fingerprint(), new TreeMap<>(e.configuration()), examples);
    }
  }

  /**
   * A chain's state; of its history and saved labelings only those after the first {@code
   * historyFrom} and {@code savedFrom} of its previous record.
   */
  record ChainLine(
      int seq,
      String kind,
      int batch,
      int chain,
      long seed,
      boolean done,
      int iteration,
      int accepted,
      int[] labels,
      double p,
      int[] bestLabels,
      double bestP,
      int historyFrom,
      List<IterationLine> history,
      int savedFrom,
      List<SavedLine> saved,
      int bestEnd,
      long rng,
      long calls,
      long queries,
      long tokens) {

    /** The line of a chain's state that keeps the first {@code historyFrom} and {@code savedFrom} of its previous line's. */
    static ChainLine of(int seq, int batch, CheckpointStore.ChainData d, int historyFrom, int savedFrom) {
      ChainCheckpoint cp = d.checkpoint();
      return new ChainLine(
          seq, "chain", batch, d.chain(), d.seed(), d.done(), cp.iteration(), cp.accepted(), cp.labels(),
          cp.mutualPredictability(), cp.bestLabels(), cp.bestMutualPredictability(), historyFrom,
          map(cp.history().subList(historyFrom, cp.history().size()), IterationLine::of), savedFrom,
          map(cp.saved().subList(savedFrom, cp.saved().size()), SavedLine::of), d.bestEnd(), d.rng(), d.calls(),
          d.queries(), d.tokens());
    }

    /**
     * The chain's state this line describes, given its whole history and saved labelings: the
     * first {@code historyFrom} and {@code savedFrom} of its previous line's state followed by this
     * line's own ({@link #history()} and {@link #saved()} converted). The reader keeps those lists
     * as it reads, so that a long journal costs each record once.
     */
    CheckpointStore.ChainData toData(List<IterationRecord> wholeHistory, List<ChainCheckpoint.Saved> wholeSaved) {
      return new CheckpointStore.ChainData(
          chain, seed, done, new ChainCheckpoint(iteration, accepted, labels, p, wholeHistory, bestLabels, bestP, wholeSaved),
          bestEnd, rng, calls, queries, tokens);
    }
  }

  /** A labeling a strategy saved ({@link ChainCheckpoint.Saved}), and its P. */
  record SavedLine(int[] labels, double p) {
    static SavedLine of(ChainCheckpoint.Saved s) {
      return new SavedLine(s.labels(), s.mutualPredictability());
    }

    ChainCheckpoint.Saved toSaved() {
      return new ChainCheckpoint.Saved(labels, p);
    }
  }

  /** An {@link IterationRecord}. */
  record IterationLine(
      int iteration,
      double temperature,
      String exampleId,
      String proposedLabel,
      int fixRounds,
      boolean accepted,
      double utility,
      double mutualPredictability,
      int inconsistency,
      int labelled) {
    static IterationLine of(IterationRecord r) {
      return new IterationLine(
          r.iteration(), r.temperature(), r.exampleId(), r.proposedLabel(), r.fixRounds(), r.accepted(), r.utility(),
          r.mutualPredictability(), r.inconsistency(), r.labelled());
    }

    IterationRecord toRecord() {
      return new IterationRecord(
          iteration, temperature, exampleId, proposedLabel, fixRounds, accepted, utility, mutualPredictability,
          inconsistency, labelled);
    }
  }

  /** A finished batch ({@link CheckpointStore.FinishedBatch}). */
  record BatchLine(
      int seq, String kind, int batch, SummaryLine summary, int[] labels, CountsLine counts, List<DetailLine> details) {
    static BatchLine of(int seq, CheckpointStore.FinishedBatch b) {
      return new BatchLine(
          seq, "batch", b.summary().index(), SummaryLine.of(b.summary()), b.labels(), CountsLine.of(b.counts()),
          map(b.details(), DetailLine::of));
    }

    /** @throws IllegalArgumentException when a record cannot be built from what the line holds */
    CheckpointStore.FinishedBatch toFinished() {
      return new CheckpointStore.FinishedBatch(
          summary.toSummary(), labels, counts.toCounts(), map(details, DetailLine::toDetail));
    }
  }

  /** A {@link BatchSummary}. */
  record SummaryLine(
      int index,
      List<String> exampleIds,
      List<ChainSummaryLine> chains,
      int bestChain,
      double utility,
      double mutualPredictability,
      int inconsistency,
      List<IterationLine> history,
      boolean cancelled,
      int starts,
      int startsAtBest,
      double runnerUpUtility,
      int completed,
      int trusted,
      List<AlternativeLine> alternatives) {
    static SummaryLine of(BatchSummary s) {
      return new SummaryLine(
          s.index(), s.exampleIds(), map(s.chains(), ChainSummaryLine::of), s.bestChain(), s.utility(),
          s.mutualPredictability(), s.inconsistency(), map(s.history(), IterationLine::of), s.cancelled(), s.starts(),
          s.startsAtBest(), s.runnerUpUtility(), s.completed(), s.trusted(), map(s.alternatives(), AlternativeLine::of));
    }

    BatchSummary toSummary() {
      return new BatchSummary(
          index, exampleIds, map(chains, ChainSummaryLine::toSummary), bestChain, utility, mutualPredictability,
          inconsistency, map(history, IterationLine::toRecord), cancelled, starts, startsAtBest, runnerUpUtility,
          completed, trusted, map(alternatives, AlternativeLine::toAlternative));
    }
  }

  /** A {@link ChainSummary}. */
  record ChainSummaryLine(
      int chain,
      long seed,
      double utility,
      double mutualPredictability,
      int inconsistency,
      int labelled,
      int iterations,
      int accepted,
      boolean cancelled) {
    static ChainSummaryLine of(ChainSummary c) {
      return new ChainSummaryLine(
          c.chain(), c.seed(), c.utility(), c.mutualPredictability(), c.inconsistency(), c.labelled(), c.iterations(),
          c.accepted(), c.cancelled());
    }

    ChainSummary toSummary() {
      return new ChainSummary(chain, seed, utility, mutualPredictability, inconsistency, labelled, iterations, accepted, cancelled);
    }
  }

  /** {@link RunCounts}. */
  record CountsLine(long iterations, long accepted, long scorerCalls, long scoredQueries, long tokens) {
    static CountsLine of(RunCounts c) {
      return new CountsLine(c.iterations(), c.accepted(), c.scorerCalls(), c.scoredQueries(), c.tokens());
    }

    RunCounts toCounts() {
      return new RunCounts(iterations, accepted, scorerCalls, scoredQueries, tokens);
    }
  }

  /** A {@link LabelDetail}; its source a word of its own ({@code search}, {@code completion}, {@code trusted}). */
  record DetailLine(String exampleId, String label, String source, double probability) {
    static DetailLine of(LabelDetail d) {
      String source =
          switch (d.source()) {
            case SEARCH -> "search";
            case COMPLETION -> "completion";
            case TRUSTED -> "trusted";
          };
      return new DetailLine(d.exampleId(), d.label(), source, d.probability());
    }

    LabelDetail toDetail() {
      LabelSource s =
          switch (source) {
            case "search" -> LabelSource.SEARCH;
            case "completion" -> LabelSource.COMPLETION;
            case "trusted" -> LabelSource.TRUSTED;
            default -> throw new IllegalArgumentException(
                "label detail of '" + exampleId + "' has source '" + source + "', none of search, completion, trusted");
          };
      return new LabelDetail(exampleId, label, s, probability);
    }
  }

  /** An {@link AlternativeLabeling}. */
  record AlternativeLine(
      List<@Nullable String> labels,
      double utility,
      double mutualPredictability,
      int inconsistency,
      double disagreement,
      int starts,
      double ownSupport,
      double keptSupport) {
    static AlternativeLine of(AlternativeLabeling a) {
      return new AlternativeLine(
          a.labels(), a.utility(), a.mutualPredictability(), a.inconsistency(), a.disagreement(), a.starts(),
          a.ownSupport(), a.keptSupport());
    }

    AlternativeLabeling toAlternative() {
      return new AlternativeLabeling(
          labels, utility, mutualPredictability, inconsistency, disagreement, starts, ownSupport, keptSupport);
    }
  }

  private static <A, B> List<B> map(List<A> from, Function<A, B> f) {
    List<B> out = new ArrayList<>(from.size());
    for (A a : from) {
      out.add(f.apply(a));
    }
    return out;
  }
}

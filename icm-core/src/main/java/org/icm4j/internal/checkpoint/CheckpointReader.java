package org.icm4j.internal.checkpoint;

import static org.icm4j.internal.checkpoint.CheckpointLines.HASH_CHARS;
import static org.icm4j.internal.checkpoint.CheckpointLines.JSON;
import static org.icm4j.internal.checkpoint.CheckpointLines.jsonProblem;
import static org.icm4j.internal.checkpoint.CheckpointLines.lineColumn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icm4j.CheckpointException;
import org.icm4j.internal.Batches;
import org.icm4j.internal.checkpoint.CheckpointFormat.BatchLine;
import org.icm4j.internal.checkpoint.CheckpointFormat.ChainLine;
import org.icm4j.internal.checkpoint.CheckpointFormat.HeaderLine;
import org.icm4j.internal.checkpoint.CheckpointFormat.IterationLine;
import org.icm4j.internal.checkpoint.CheckpointFormat.SavedLine;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.ChainSummary;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.RunCounts;
import org.icm4j.spi.search.ChainCheckpoint;
import org.jspecify.annotations.Nullable;

/**
 * Reads a checkpoint file and checks it against the run that resumes it: every line's checksum
 * and number, the header's format and fingerprint (a mismatch says what differs, through {@link
 * CheckpointMismatch}), and everything each record holds (batch indices in order, lengths equal
 * to batch sizes, label indices in the label space, finite energies with U = alpha * P - I,
 * iteration and accepted counts within bounds and, for the built-in searches, equal to the
 * history, counts of a batch equal to its chains', details against labels, chain indices and
 * derived seeds, counters that are not negative). Every failure is a {@link CheckpointException}
 * naming the file and the line. Not thread-safe: one per read.
 */
final class CheckpointReader {
  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());

  /**
   * What a file holds, checked.
   *
   * @param finished the finished batches, in order
   * @param currentBatch the index of the batch after them
   * @param chains the latest state of each chain of the current batch
   * @param nextSeq the number of the next record
   * @param length the bytes of the whole lines (all of the file but a torn last line)
   */
  record Loaded(
      List<CheckpointStore.FinishedBatch> finished,
      int currentBatch,
      Map<Integer, CheckpointStore.ChainData> chains,
      int nextSeq,
      long length) {
    Loaded {
      finished = List.copyOf(finished);
      chains = Map.copyOf(chains);
    }
  }

  private final Path file;
  private final CheckpointStore.Expected expected;
  /** Each batch's key, which its chains' seeds derive from: hashed once, not on every line. */
  private final List<String> batchKeys;
  private final MessageDigest sha256 = CheckpointLines.sha256();
  private final List<CheckpointStore.FinishedBatch> finished = new ArrayList<>();
  private int currentBatch;
  private int nextSeq;
  /** The chains of the current batch as their records build them. */
  private final Map<Integer, Journal> chains = new TreeMap<>();

  /**
   * A chain's history and saved labelings as its lines build them (each line keeps a prefix of
   * them and adds its own), the number of accepted moves in that history, and its last line.
   */
  private static final class Journal {
    final List<IterationRecord> history = new ArrayList<>();
    final List<ChainCheckpoint.Saved> saved = new ArrayList<>();
    int accepted;
    @Nullable ChainLine last;

    CheckpointStore.ChainData data() {
      return java.util.Objects.requireNonNull(last).toData(history, saved); // copied by ChainCheckpoint
    }
  }

  private CheckpointReader(Path file, CheckpointStore.Expected expected) {
    this.file = file;
    this.expected = expected;
    this.batchKeys = expected.batches().stream().map(Batches::key).toList();
  }

  /**
   * Reads and checks the file. A last line without its line feed is left out of {@link
   * Loaded#length} (the caller cuts it off), with a warning.
   */
  static Loaded read(Path file, CheckpointStore.Expected expected) {
    return new CheckpointReader(file, expected).load();
  }

  private Loaded load() {
    byte[] all;
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      all = in.readAllBytes();
    } catch (IOException e) {
      throw new CheckpointException(
          "cannot read checkpoint " + file + " (" + e + "): check it is readable, or point checkpoint(...) at"
              + " another file",
          e);
    }
    if (all.length == 0) {
      throw corrupt("is empty (icm4j never writes an empty checkpoint)");
    }
    if (all[0] == '{') {
      throw legacy(all);
    }
    int start = 0;
    int lineNo = 0;
    while (start < all.length) {
      lineNo++;
      int end = start;
      while (end < all.length && all[end] != '\n') {
        end++;
      }
      if (end == all.length) {
        if (lineNo == 1) {
          throw corrupt(
              "ends inside its first record (line 1, the header, has no line feed), so it was cut short");
        }
        LOG.log(
            System.Logger.Level.WARNING,
            "checkpoint " + file + ": ignoring the last line (" + lineNo + "), a record cut short by a"
                + " crash while it was written; resuming from the record before it");
        break;
      }
      line(lineNo, all, start, end);
      start = end + 1;
    }
    Map<Integer, CheckpointStore.ChainData> data = new TreeMap<>();
    chains.forEach((chain, journal) -> data.put(chain, journal.data()));
    return new Loaded(finished, currentBatch, data, nextSeq, start);
  }

  /** Reads and checks line {@code lineNo}, bytes {@code [start, end)} of the file. */
  private void line(int lineNo, byte[] all, int start, int end) {
    int length = end - start;
    if (!CheckpointLines.isLine(all, start, end)) {
      throw invalidLine(lineNo, "is not a checkpoint record (64 hex digits of its checksum, a space, JSON)");
    }
    if (!CheckpointLines.checksumMatches(all, start, end, sha256)) {
      throw new CheckpointException(
          "checkpoint " + file + " line " + lineNo + " does not match its checksum: the file was changed"
              + " after icm4j wrote it, or damaged; a run resumed from it could return a wrong result."
              + " Delete it to start afresh",
          null);
    }
    JsonNode node;
    try {
      node = JSON.readTree(all, start + HASH_CHARS + 1, length - HASH_CHARS - 1);
    } catch (IOException e) {
      throw invalidLine(lineNo, jsonProblem(e, HASH_CHARS + 1));
    }
    JsonNode kind = node == null ? null : node.get("kind");
    JsonNode seq = node == null ? null : node.get("seq");
    if (kind == null || !kind.isTextual() || seq == null || !seq.isInt()) {
      throw invalidLine(lineNo, "has no 'kind' or 'seq'");
    }
    if (seq.intValue() != lineNo - 1) {
      throw invalidLine(
          lineNo, "is record " + seq.intValue() + " where record " + (lineNo - 1) + " belongs: records are missing or out of order");
    }
    nextSeq = lineNo;
    String k = kind.textValue();
    if (lineNo == 1) {
      if (!k.equals("header")) {
        throw invalidLine(1, "is a '" + k + "' record, not the header");
      }
      header(lineNo, node);
      return;
    }
    switch (k) {
      case "chain" -> chain(lineNo, as(lineNo, node, ChainLine.class));
      case "batch" -> batch(lineNo, as(lineNo, node, BatchLine.class));
      default -> throw invalidLine(lineNo, "has kind '" + k + "', which no icm4j writes after the header");
    }
  }

  private <T> T as(int lineNo, JsonNode node, Class<T> type) {
    try {
      return JSON.treeToValue(node, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw invalidLine(lineNo, e instanceof JsonProcessingException j ? jsonProblem(j, 0) : String.valueOf(e.getMessage()));
    }
  }

  // ---- the header and the configuration it was written by

  private void header(int lineNo, JsonNode node) {
    JsonNode format = node.get("format");
    if (format == null || !format.isInt()) {
      throw invalidLine(lineNo, "(the header) has no format number");
    }
    if (format.intValue() != CheckpointFormat.VERSION) {
      throw CheckpointFormat.refusal(file, format.intValue());
    }
    HeaderLine h = as(lineNo, node, HeaderLine.class);
    if (!h.fingerprint().equals(expected.fingerprint())) {
      throw new CheckpointException(
          "checkpoint " + file + " was written by another configuration or data set: "
              + CheckpointMismatch.describe(h, expected)
              + "; resume with the same settings, seed and examples, or delete the file to start afresh",
          null);
    }
  }

  // ---- chain and batch records

  private int batchSize(int lineNo, int batch, String what) {
    if (batch != currentBatch) {
      throw invalidLine(
          lineNo,
          "is " + what + " of batch " + batch + ", but the records before it finished " + currentBatch
              + " batch" + (currentBatch == 1 ? "" : "es") + " (the next is batch " + currentBatch + ")");
    }
    if (batch >= expected.batches().size()) {
      throw invalidLine(lineNo, "is " + what + " of batch " + batch + ", but this run has " + expected.batches().size() + " batches");
    }
    return expected.batches().get(batch).size();
  }

  private void chain(int lineNo, ChainLine c) {
    int n = batchSize(lineNo, c.batch(), "a chain record");
    String what = "(chain " + c.chain() + " of batch " + c.batch() + ")";
    if (c.chain() < 0 || c.chain() >= expected.chains()) {
      throw invalidLine(lineNo, what + " names chain " + c.chain() + ", but the run has " + expected.chains() + " chains");
    }
    if (c.seed() != Batches.chainSeed(expected.seed(), batchKeys.get(c.batch()), c.chain())) {
      throw invalidLine(lineNo, what + " has seed " + c.seed() + ", not the one the run's seed derives");
    }
    labels(lineNo, what + " labeling", c.labels(), n, false);
    labels(lineNo, what + " best labeling", c.bestLabels(), n, true);
    finite(lineNo, what + " P", c.p());
    finite(lineNo, what + " best P", c.bestP());
    Journal j = chains.computeIfAbsent(c.chain(), k -> new Journal());
    if (c.historyFrom() < 0 || c.historyFrom() > j.history.size()) {
      throw invalidLine(
          lineNo, what + " keeps " + c.historyFrom() + " history records, but the records before it hold " + j.history.size());
    }
    if (c.savedFrom() < 0 || c.savedFrom() > j.saved.size()) {
      throw invalidLine(
          lineNo, what + " keeps " + c.savedFrom() + " saved labelings, but the records before it hold " + j.saved.size());
    }
    List<IterationRecord> dropped = j.history.subList(c.historyFrom(), j.history.size());
    for (IterationRecord r : dropped) {
      j.accepted -= r.accepted() ? 1 : 0;
    }
    dropped.clear();
    List<IterationRecord> added = convert(lineNo, () -> c.history().stream().map(IterationLine::toRecord).toList());
    j.accepted += records(lineNo, what, added, j.history.size(), n);
    j.history.addAll(added);
    j.saved.subList(c.savedFrom(), j.saved.size()).clear();
    for (SavedLine l : c.saved()) {
      labels(lineNo, what + " saved labeling", l.labels(), n, false);
      finite(lineNo, what + " saved labeling's P", l.p());
      j.saved.add(l.toSaved());
    }
    counts(lineNo, what, c.iteration(), c.accepted(), j.history.size(), j.accepted);
    if (c.done() ? c.bestEnd() < -1 || c.bestEnd() >= j.saved.size() : c.bestEnd() != -1) {
      throw invalidLine(lineNo, what + " returned saved labeling " + c.bestEnd() + " of " + j.saved.size());
    }
    work(lineNo, what, c.calls(), c.queries(), c.tokens());
    j.last = c;
  }

  /**
   * Builds the public records a line holds; a value they refuse (a probability outside [0, 1],
   * an unknown label source) fails naming the line.
   */
  private <T> T convert(int lineNo, java.util.function.Supplier<T> conversion) {
    try {
      return conversion.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw invalidLine(lineNo, "holds a value no icm4j writes (" + e.getMessage() + ")");
    }
  }

  private void batch(int lineNo, BatchLine line) {
    int n = batchSize(lineNo, line.batch(), "the record");
    String what = "(finished batch " + line.batch() + ")";
    CheckpointStore.FinishedBatch b = convert(lineNo, line::toFinished);
    BatchSummary s = b.summary();
    if (s.index() != line.batch()) {
      throw invalidLine(lineNo, what + " holds the summary of batch " + s.index());
    }
    if (!s.exampleIds().equals(expected.batches().get(line.batch()))) {
      throw invalidLine(lineNo, what + " lists other examples than the batch has");
    }
    if (s.cancelled()) {
      throw invalidLine(lineNo, what + " is marked cancelled, and a cancelled batch is never finished");
    }
    labels(lineNo, what + " labeling", b.labels(), n, false);
    if (s.chains().isEmpty() || s.chains().size() > expected.chains()) {
      throw invalidLine(lineNo, what + " has " + s.chains().size() + " chains, the run " + expected.chains());
    }
    if (s.bestChain() < 0 || s.bestChain() >= s.chains().size()) {
      throw invalidLine(lineNo, what + " keeps chain " + s.bestChain() + " of " + s.chains().size());
    }
    long iterations = 0;
    long accepted = 0;
    for (int c = 0; c < s.chains().size(); c++) {
      ChainSummary cs = s.chains().get(c);
      String chain = what + " chain " + c;
      if (cs.chain() != c || cs.seed() != Batches.chainSeed(expected.seed(), batchKeys.get(line.batch()), c)) {
        throw invalidLine(lineNo, chain + " has index " + cs.chain() + " and seed " + cs.seed() + ", not its own");
      }
      if (cs.cancelled()) {
        throw invalidLine(lineNo, chain + " is marked cancelled in a finished batch");
      }
      energy(lineNo, chain, cs.utility(), cs.mutualPredictability(), cs.inconsistency());
      if (cs.labelled() < 0 || cs.labelled() > n) {
        throw invalidLine(lineNo, chain + " labels " + cs.labelled() + " of " + n + " examples");
      }
      bounds(lineNo, chain, cs.iterations(), cs.accepted());
      iterations += cs.iterations();
      accepted += cs.accepted();
    }
    energy(lineNo, what, s.utility(), s.mutualPredictability(), s.inconsistency());
    if (!Double.isNaN(s.runnerUpUtility())) {
      finite(lineNo, what + " runner-up U", s.runnerUpUtility());
    }
    if (s.starts() < 0 || s.startsAtBest() < 0 || s.startsAtBest() > s.starts() || s.completed() < 0 || s.completed() > n) {
      throw invalidLine(
          lineNo, what + " has " + s.startsAtBest() + " of " + s.starts() + " starts at its best and " + s.completed() + " completed");
    }
    ChainSummary best = s.chains().get(s.bestChain());
    counts(
        lineNo, what + " history", best.iterations(), best.accepted(), s.history().size(),
        records(lineNo, what, s.history(), 0, n));
    RunCounts k = b.counts();
    if (k.iterations() != iterations || k.accepted() != accepted) {
      throw invalidLine(
          lineNo, what + " counts " + k.iterations() + " iterations and " + k.accepted() + " accepted moves, its chains "
              + iterations + " and " + accepted);
    }
    work(lineNo, what, k.scorerCalls(), k.scoredQueries(), k.tokens());
    // one detail per labelled example, in id order, with its label
    int d = 0;
    for (int i = 0; i < n; i++) {
      if (b.labels()[i] < 0) {
        continue;
      }
      if (d >= b.details().size()
          || !b.details().get(d).exampleId().equals(s.exampleIds().get(i))
          || !b.details().get(d).label().equals(expected.labelSpace().name(b.labels()[i]))) {
        throw invalidLine(lineNo, what + " labels '" + s.exampleIds().get(i) + "' otherwise than its details do");
      }
      d++;
    }
    if (d != b.details().size()) {
      throw invalidLine(lineNo, what + " has " + b.details().size() + " label details for " + d + " labels");
    }
    finished.add(b);
    chains.clear();
    currentBatch = line.batch() + 1;
  }

  private void labels(int lineNo, String what, int[] labels, int n, boolean mayBeEmpty) {
    if (labels.length != n && !(mayBeEmpty && labels.length == 0)) {
      throw invalidLine(lineNo, what + " has " + labels.length + " labels, but the batch has " + n + " examples");
    }
    int k = expected.labelSpace().size();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < -1 || labels[i] >= k) {
        throw invalidLine(
            lineNo, what + " gives example '" + expected.batches().get(currentBatch).get(i) + "' label index " + labels[i]
                + ", outside the label space " + expected.labelSpace().names() + " (-1 is unlabelled)");
      }
    }
  }

  private void finite(int lineNo, String what, double v) {
    if (!Double.isFinite(v)) {
      throw invalidLine(lineNo, what + " is " + v + ", not finite");
    }
  }

  private void energy(int lineNo, String what, double u, double p, int i) {
    finite(lineNo, what + " P", p);
    if (i < 0) {
      throw invalidLine(lineNo, what + " I is " + i);
    }
    if (Double.compare(u, expected.alpha() * p - i) != 0) {
      throw invalidLine(lineNo, what + " U is " + u + ", but alpha * P - I is " + (expected.alpha() * p - i));
    }
  }

  private void bounds(int lineNo, String what, int iteration, int accepted) {
    if (iteration < 0 || iteration > expected.maxIterations() || accepted < 0 || accepted > iteration) {
      throw invalidLine(
          lineNo, what + " counts " + iteration + " iterations and " + accepted + " accepted moves (the run allows "
              + expected.maxIterations() + " iterations, and at most as many accepted moves)");
    }
  }

  /**
   * Checks history records that follow {@code before} earlier ones: possible values and, for the
   * built-in searches, numbered on from {@code before + 1}. Returns how many were accepted moves.
   */
  private int records(int lineNo, String what, List<IterationRecord> records, int before, int n) {
    int accepted = 0;
    for (int r = 0; r < records.size(); r++) {
      IterationRecord rec = records.get(r);
      int number = before + r + 1;
      if (!Double.isFinite(rec.utility()) || !Double.isFinite(rec.mutualPredictability()) || rec.inconsistency() < 0
          || rec.labelled() < 0 || rec.labelled() > n || rec.fixRounds() < 0
          || !(rec.temperature() >= 0 && Double.isFinite(rec.temperature()))) {
        throw invalidLine(lineNo, what + " history record " + number + " holds an impossible value: " + rec);
      }
      if (expected.historyIsIterations() && rec.iteration() != number) {
        throw invalidLine(lineNo, what + " history record " + number + " is numbered " + rec.iteration());
      }
      accepted += rec.accepted() ? 1 : 0;
    }
    return accepted;
  }

  /** Iterations and accepted moves within bounds and, for the built-in searches, as the history says. */
  private void counts(int lineNo, String what, int iteration, int accepted, int records, int acceptedRecords) {
    bounds(lineNo, what, iteration, accepted);
    if (expected.historyIsIterations() && (records != iteration || acceptedRecords != accepted)) {
      throw invalidLine(
          lineNo, what + " counts " + iteration + " iterations and " + accepted + " accepted moves, but its history"
              + " holds " + records + " records, " + acceptedRecords + " accepted");
    }
  }

  private void work(int lineNo, String what, long calls, long queries, long tokens) {
    if (calls < 0 || queries < calls || tokens < 0) {
      throw invalidLine(lineNo, what + " counts " + calls + " scorer calls, " + queries + " queries and " + tokens + " tokens");
    }
  }

  // ---- errors

  private CheckpointException invalidLine(int lineNo, String what) {
    return new CheckpointException(
        "checkpoint " + file + " line " + lineNo + " " + what + ": this is not what icm4j writes for this run;"
            + " delete the file to start afresh, or resume with the run that wrote it",
        null);
  }

  private CheckpointException corrupt(String what) {
    return new CheckpointException(
        "checkpoint " + file + " " + what + ": delete it to start afresh, or point checkpoint(...) at another file", null);
  }

  /** A file that starts with '{': a format-1 or -2 checkpoint (one JSON object), or not one at all. */
  private CheckpointException legacy(byte[] all) {
    try {
      JsonNode node = JSON.readTree(all);
      JsonNode format = node == null ? null : node.get("format");
      if (format != null && format.isInt()) {
        return CheckpointFormat.refusal(file, format.intValue());
      }
      return corrupt("is JSON but not a checkpoint (it has no format)");
    } catch (IOException e) {
      return new CheckpointException(
          "cannot read checkpoint " + file + " (" + jsonProblem(e, 0) + lineColumn(e)
              + "): it is damaged or not a checkpoint; delete it to start afresh, or point checkpoint(...) at"
              + " another file",
          e);
    }
  }
}

package org.icm4j.internal.checkpoint;

import static org.icm4j.internal.checkpoint.CheckpointLines.JSON;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.icm4j.CheckpointException;
import org.icm4j.Example;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.RunCounts;

/**
 * The state file of a resumable {@link org.icm4j.finetune.IterativeFineTuning}: its settings, a digest of
 * every example, and one record per finished round (what the round did; not its labels, which
 * ICM's own checkpoint keeps, nor its model, which is fine-tuned again from the base on resume:
 * a fine-tuner's result is a function of its request). Not an API: {@code IterativeFineTuning}
 * uses it.
 *
 * <p>The file is one JSON document, written whole after each round to a temporary file in the
 * same directory, forced to disk and moved over the file with {@code ATOMIC_MOVE}, and the
 * directory forced: a reader sees the old state or the new one. A run holds a {@link
 * CheckpointLock} on {@code <file>.lock} from {@link #open} to {@link #close}.
 *
 * <p>Not thread-safe: one per run, used from the thread that runs the loop.
 */
public final class FineTuningState implements AutoCloseable {
  static final int FORMAT = 1;
  private static final HexFormat HEX = HexFormat.of();

  /**
   * A finished round as the file keeps it.
   *
   * @param index the round
   * @param labelledWith the round whose model labelled its batch ({@code -1}: the base model)
   * @param cost the work of labelling the batch
   * @param labellingNanos wall-clock time of the labelling
   * @param fineTuned whether a model was fine-tuned after the batch
   * @param trainedOn the labelled examples it was fine-tuned on
   * @param fineTuningNanos wall-clock time of the fine-tuning
   * @param details what the fine-tuner reported
   */
  public record Round(
      int index,
      int labelledWith,
      RunCounts cost,
      long labellingNanos,
      boolean fineTuned,
      int trainedOn,
      long fineTuningNanos,
      Map<String, String> details) {
    /**
     * Copies.
     *
     * @param index the round
     * @param labelledWith the round whose model labelled its batch ({@code -1}: the base model)
     * @param cost the work of labelling the batch
     * @param labellingNanos wall-clock time of the labelling
     * @param fineTuned whether a model was fine-tuned after the batch
     * @param trainedOn the labelled examples it was fine-tuned on
     * @param fineTuningNanos wall-clock time of the fine-tuning
     * @param details what the fine-tuner reported
     */
    public Round {
      details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }
  }

  /**
   * A batch ICM's checkpoint holds as finished.
   *
   * @param summary its summary
   * @param labels its labels, in the order of the summary's example ids ({@code -1}: unlabelled)
   * @param counts its work
   */
  public record Batch(BatchSummary summary, int[] labels, RunCounts counts) {}

  /**
   * The file's document. Its rounds are {@link RoundLine}s, not the public {@link RunCounts} by
   * reflection: a new field in a result record changes nothing here.
   */
  record Document(int format, Map<String, String> settings, Map<String, String> examples, List<RoundLine> rounds) {}

  /** A {@link Round} as the file keeps it, its cost a {@link CheckpointFormat.CountsLine}. */
  record RoundLine(
      int index,
      int labelledWith,
      CheckpointFormat.CountsLine cost,
      long labellingNanos,
      boolean fineTuned,
      int trainedOn,
      long fineTuningNanos,
      Map<String, String> details) {
    static RoundLine of(Round r) {
      return new RoundLine(
          r.index(), r.labelledWith(), CheckpointFormat.CountsLine.of(r.cost()), r.labellingNanos(), r.fineTuned(),
          r.trainedOn(), r.fineTuningNanos(), r.details());
    }

    Round toRound() {
      return new Round(
          index, labelledWith, cost.toCounts(), labellingNanos, fineTuned, trainedOn, fineTuningNanos, details);
    }
  }

  private final Path file;
  private final CheckpointLock lock;
  private final Document expected;
  private final List<Round> rounds = new ArrayList<>();

  private FineTuningState(Path file, CheckpointLock lock, Document expected) {
    this.file = file;
    this.lock = lock;
    this.expected = expected;
  }

  /**
   * Takes the lock of the state file and reads it, checking that it was written by a run of the
   * same settings and examples; creates it when it does not exist.
   *
   * @param file the state file
   * @param settings what a resumed run must share with the one that wrote the file, by name
   * @param examples the run's examples
   * @return the state, holding its lock until closed
   * @throws CheckpointException when another run holds the file, it was written by another run
   *     (saying what differs), or it cannot be read or written
   */
  public static FineTuningState open(Path file, Map<String, String> settings, List<Example> examples) {
    Map<String, String> digests = new TreeMap<>();
    for (Example e : examples) {
      digests.put(e.id(), digest(e));
    }
    Document expected = new Document(FORMAT, new TreeMap<>(settings), digests, List.of());
    CheckpointLock lock = CheckpointLock.acquire(file);
    FineTuningState state = new FineTuningState(file, lock, expected);
    try {
      removeStaleTemporaries(file);
      if (Files.exists(file)) {
        for (RoundLine r : state.read().rounds()) {
          state.rounds.add(r.toRound());
        }
      } else {
        state.write();
      }
    } catch (RuntimeException | Error e) {
      lock.close();
      throw e;
    }
    return state;
  }

  /**
   * The rounds the file holds, in order.
   *
   * @return the rounds the file holds, in order
   */
  public List<Round> rounds() {
    return List.copyOf(rounds);
  }

  /**
   * Adds a finished round and writes the file (atomically).
   *
   * @param round the round
   */
  public void add(Round round) {
    if (round.index() != rounds.size()) {
      throw new IllegalStateException("round " + round.index() + " finished after " + rounds.size() + " rounds");
    }
    rounds.add(round);
    write();
  }

  /**
   * The file.
   *
   * @return the file
   */
  public Path file() {
    return file;
  }

  /** Releases the lock. */
  @Override
  public void close() {
    lock.close();
  }

  private Document read() {
    Document d;
    try {
      d = JSON.readValue(Files.readAllBytes(file), Document.class);
    } catch (JsonProcessingException e) {
      throw new CheckpointException(
          "fine-tuning checkpoint " + file + " is not a state file icm4j wrote ("
              + CheckpointLines.jsonProblem(e, 0) + "): delete it and " + file.getFileName()
              + ".icm to start afresh",
          e);
    } catch (IOException e) {
      throw new CheckpointException("cannot read fine-tuning checkpoint " + file + ": " + e, e);
    }
    List<String> differences = differences(d);
    if (!differences.isEmpty()) {
      throw new CheckpointException(
          "fine-tuning checkpoint " + file + " was written by another run: "
              + String.join("; ", differences) + "; resume with the same settings, fine-tuner and"
              + " examples, or delete it and " + file.getFileName() + ".icm to start afresh",
          null);
    }
    for (int i = 0; i < d.rounds().size(); i++) {
      if (d.rounds().get(i).index() != i) {
        throw new CheckpointException(
            "fine-tuning checkpoint " + file + " holds round " + d.rounds().get(i).index() + " in place "
                + i + ": the file was changed after icm4j wrote it; delete it and " + file.getFileName()
                + ".icm to start afresh",
            null);
      }
    }
    return d;
  }

  /** What differs between the file's run and this one, in words. */
  private List<String> differences(Document d) {
    List<String> out = new ArrayList<>();
    if (d.format() != FORMAT) {
      out.add("its format is " + d.format() + ", this version writes " + FORMAT);
      return out;
    }
    TreeMap<String, String> keys = new TreeMap<>(expected.settings());
    d.settings().forEach(keys::putIfAbsent);
    for (String k : keys.keySet()) {
      String theirs = d.settings().get(k);
      String mine = expected.settings().get(k);
      if (!Objects.equals(theirs, mine)) {
        out.add("setting '" + k + "' is " + (theirs == null ? "absent" : theirs) + " in the checkpoint, "
            + (mine == null ? "absent" : mine) + " in this run");
      }
    }
    Map<String, String> theirs = d.examples();
    Map<String, String> mine = expected.examples();
    if (!theirs.equals(mine)) {
      List<String> which = new ArrayList<>();
      for (Map.Entry<String, String> e : mine.entrySet()) {
        String t = theirs.get(e.getKey());
        if (t == null) {
          which.add("'" + e.getKey() + "' is new");
        } else if (!t.equals(e.getValue())) {
          which.add("'" + e.getKey() + "' has another prompt, group or attributes");
        }
      }
      for (String id : theirs.keySet()) {
        if (!mine.containsKey(id)) {
          which.add("'" + id + "' is missing");
        }
      }
      int shown = Math.min(3, which.size());
      out.add("the checkpoint has " + theirs.size() + " examples, this run " + mine.size() + "; "
          + String.join(", ", which.subList(0, shown)) + (which.size() > shown ? " (and " + (which.size() - shown) + " more)" : ""));
    }
    return out;
  }

  /** Writes the document whole: temporary file, forced, atomic move, directory forced. */
  private void write() {
    List<RoundLine> lines = new ArrayList<>(rounds.size());
    for (Round r : rounds) {
      lines.add(RoundLine.of(r));
    }
    Document d = new Document(FORMAT, expected.settings(), expected.examples(), lines);
    byte[] bytes;
    try {
      bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(d);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the fine-tuning state: " + e.getOriginalMessage(), e);
    }
    AtomicFiles.write(file, bytes);
  }


  private static void removeStaleTemporaries(Path file) {
    AtomicFiles.removeStaleTemporaries(file, "\\.[0-9]+\\.tmp", file.toString());
  }

  /** 16 hex digits of a SHA-256 over an example's prompt, group and attributes. */
  private static String digest(Example e) {
    MessageDigest sha = CheckpointLines.sha256();
    sha.update(e.prompt().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(e.group().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    new TreeMap<>(e.attributes()).forEach((k, v) -> {
      sha.update(k.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 2);
      sha.update(v.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 3);
    });
    return HEX.formatHex(sha.digest()).substring(0, 16);
  }

  /**
   * The batches an ICM checkpoint holds as finished, in order: read line by line, each line's
   * checksum checked, a torn last line ignored. ICM itself checks the file again, fully, when the
   * run resumes from it.
   *
   * @param icmCheckpoint ICM's checkpoint file (absent: none)
   * @return the finished batches
   * @throws CheckpointException when a line is damaged
   */
  public static List<Batch> finishedBatches(Path icmCheckpoint) {
    byte[] all;
    try {
      all = Files.readAllBytes(icmCheckpoint);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new CheckpointException("cannot read checkpoint " + icmCheckpoint + ": " + e, e);
    }
    MessageDigest sha = CheckpointLines.sha256();
    List<Batch> out = new ArrayList<>();
    int start = 0;
    int lineNo = 0;
    while (start < all.length) {
      int end = start;
      while (end < all.length && all[end] != '\n') {
        end++;
      }
      if (end == all.length) {
        break; // the torn end of a write a killed process did not finish
      }
      lineNo++;
      if (!CheckpointLines.isLine(all, start, end) || !CheckpointLines.checksumMatches(all, start, end, sha)) {
        if (lineNo == 1 && all[0] == '{') {
          break; // a format-1 or -2 checkpoint (one JSON document): ICM's reader refuses it by its format
        }
        throw new CheckpointException(
            "checkpoint " + icmCheckpoint + " line " + lineNo + " is damaged: delete it and its fine-tuning"
                + " checkpoint to start afresh",
            null);
      }
      int json = start + CheckpointLines.HASH_CHARS + 1;
      try {
        JsonNode node = JSON.readTree(all, json, end - json);
        if (lineNo == 1) {
          JsonNode format = node == null ? null : node.get("format");
          if (format != null && format.isInt() && format.intValue() != CheckpointFormat.VERSION) {
            throw CheckpointFormat.refusal(icmCheckpoint, format.intValue());
          }
        }
        if (node != null && node.has("kind") && "batch".equals(node.get("kind").asText())) {
          CheckpointStore.FinishedBatch b =
              JSON.treeToValue(node, CheckpointFormat.BatchLine.class).toFinished();
          out.add(new Batch(b.summary(), b.labels(), b.counts()));
        }
      } catch (IOException | IllegalArgumentException | NullPointerException e) {
        throw new CheckpointException(
            "checkpoint " + icmCheckpoint + " line " + lineNo + " cannot be read (" + CheckpointLines.jsonProblem(e, 0)
                + "): delete it and its fine-tuning checkpoint to start afresh",
            e);
      }
      start = end + 1;
    }
    return out;
  }
}

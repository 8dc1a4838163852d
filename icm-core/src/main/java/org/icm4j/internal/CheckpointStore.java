package org.icm4j.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icm4j.BatchSummary;
import org.icm4j.ChainSummary;
import org.icm4j.CheckpointException;
import org.icm4j.IterationRecord;
import org.icm4j.LabelDetail;
import org.icm4j.LabelSpace;
import org.icm4j.RunCounts;
import org.icm4j.spi.ChainCheckpoint;
import org.jspecify.annotations.Nullable;

/**
 * A run's checkpoint file: a journal of records, read and checked when a run starts and appended
 * to as chains progress. Thread-safe (every method is synchronized).
 *
 * <p>Format {@value #FORMAT}. Each line is one record: the SHA-256 of the record's JSON bytes in
 * 64 hex digits, a space, the JSON, a line feed. The first record is the header (format,
 * fingerprint, the configuration and a digest of every example, so that a mismatch can say what
 * differs); then, in the order they happened, a record per chain update of the current batch
 * (its state, and only the history records and saved labelings added since the chain's previous
 * record: {@code historyFrom} and {@code savedFrom} say how many of the earlier ones it keeps)
 * and a record per finished batch (written once). Records are numbered ({@code seq}).
 *
 * <p>A write appends one line; no write rewrites what is there, so the cost of a chain update
 * does not grow with the history. When the lines appended since the file was last written whole
 * exceed what it held then (and 1 MiB), the file is <i>compacted</i>: the live state (the header,
 * the finished batches, each chain's latest state in full) goes to a temporary file in the same
 * directory, which is forced to disk and moved over the file (atomically where the file system
 * can), and the directory is forced. So is the file when a run ends, so is it when the last batch
 * is finished. Appends are forced to disk at the end of each batch, when a chain is cancelled,
 * and when the store closes; a chain update in between is in the operating system's cache (safe
 * if the process dies; after a power loss the file may end before it, or in a torn line).
 *
 * <p>Reading checks every record's checksum and number, and everything it holds against the run
 * (batch indices in order, lengths equal to batch sizes, label indices in the label space, finite
 * energies, iteration and accepted counts within bounds and consistent with the history, U = alpha
 * * P - I, the details against the labels). A last line without its line feed is the torn end of
 * a write the process did not finish: it is ignored (with a warning) and cut off, and the run
 * resumes from the record before it. Any other failure is a {@link CheckpointException} that names
 * the file and the line.
 */
final class CheckpointStore implements AutoCloseable {
  static final int FORMAT = 3;

  /** Compaction happens once the appended lines exceed max(this, the size at the last compaction). */
  static final long MIN_COMPACTION_BYTES = 1 << 20;

  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());
  private static final HexFormat HEX = HexFormat.of();
  private static final int HASH_CHARS = 64;
  private static final Pattern MISSING = Pattern.compile("Missing (?:required )?creator property '([^']*)'");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
          .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
          .configure(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS, true)
          .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);

  /** What the run expects of a checkpoint it resumes: everything a record is checked against. */
  record Expected(
      String fingerprint,
      Map<String, String> configuration,
      List<ExampleDigest> examples,
      List<List<String>> batches,
      LabelSpace labelSpace,
      int chains,
      double alpha,
      long seed,
      int maxIterations,
      boolean historyIsIterations) {
    Expected {
      configuration = Map.copyOf(configuration);
      examples = List.copyOf(examples);
      batches = List.copyOf(batches);
    }
  }

  /**
   * An example as the header keeps it: its id and the first 8 hex digits of the SHA-256 of its
   * prompt, group and attributes (enough to say which one differs).
   */
  record ExampleDigest(String id, String prompt, String group, String attributes) {}

  /** A finished batch: its summary, labels (batch order, -1 unlabelled), work and label details. */
  record FinishedBatch(BatchSummary summary, int[] labels, RunCounts counts, List<LabelDetail> details) {}

  /** A chain of the current batch: finished ({@code done}) or its last saved state. */
  record ChainData(
      int chain,
      long seed,
      boolean done,
      int iteration,
      int accepted,
      int[] labels,
      double mutualPredictability,
      List<IterationRecord> history,
      int[] bestLabels,
      double bestMutualPredictability,
      List<ChainCheckpoint.Saved> saved,
      int bestEnd,
      long rng,
      long calls,
      long queries,
      long tokens) {

    /**
     * A chain's entry from what its strategy saved, its generator's state and its counters; a done
     * chain's {@code saved} holds where its starts ended, {@code bestEnd} the one it returned.
     */
    static ChainData of(
        int chain, long seed, boolean done, ChainCheckpoint cp, int bestEnd, long rng, long[] counters) {
      return new ChainData(
          chain, seed, done, cp.iteration(), cp.accepted(), cp.labels(), cp.mutualPredictability(),
          cp.history(), cp.bestLabels(), cp.bestMutualPredictability(), cp.saved(), bestEnd, rng,
          counters[0], counters[1], counters[2]);
    }
  }

  // ------------------------------------------------------------------ the lines, as JSON

  record HeaderLine(
      int seq,
      String kind,
      int format,
      String fingerprint,
      Map<String, String> configuration,
      List<List<String>> examples) {}

  record SavedLine(int[] labels, double p) {}

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
      List<IterationRecord> history,
      int savedFrom,
      List<SavedLine> saved,
      int bestEnd,
      long rng,
      long calls,
      long queries,
      long tokens) {}

  record BatchLine(
      int seq, String kind, int batch, BatchSummary summary, int[] labels, RunCounts counts, List<LabelDetail> details) {}

  // ------------------------------------------------------------------ state

  private final Path file;
  private final Expected expected;
  private final List<FinishedBatch> finished = new ArrayList<>();
  private int currentBatch;
  /** The latest state of each chain of the current batch, as written. */
  private final Map<Integer, ChainData> chains = new TreeMap<>();
  private final MessageDigest sha256;
  /** Open for appending, or {@code null}. Streams, not channels: an interrupt must not close them. */
  private @Nullable FileOutputStream out;
  private int nextSeq;
  /** Bytes of the file when it was last written whole, and bytes appended since. */
  private long compactedBytes;
  private long appendedBytes;

  private CheckpointStore(Path file, Expected expected) {
    this.file = file;
    this.expected = expected;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }

  /**
   * Opens a checkpoint: removes temporary files a crashed write of it left, loads and checks the
   * file when it exists, else creates it with its header.
   */
  static CheckpointStore open(Path file, Expected expected) {
    CheckpointStore store = new CheckpointStore(file, expected);
    synchronized (store) {
      store.removeStaleTemporaries();
      if (Files.exists(file)) {
        store.load();
      } else {
        store.compact();
      }
    }
    return store;
  }

  synchronized List<FinishedBatch> finished() {
    return List.copyOf(finished);
  }

  /** The saved state of a chain of the given batch, if any. */
  synchronized @Nullable ChainData chain(int batch, int chain) {
    return batch == currentBatch ? chains.get(chain) : null;
  }

  /**
   * Appends a chain's state (what changed since its previous record); forced to disk when {@code
   * durable} (a cancelled chain).
   */
  synchronized void updateChain(int batch, ChainData data, boolean durable) {
    if (batch != currentBatch) {
      chains.clear();
      currentBatch = batch;
    }
    ChainData before = chains.get(data.chain());
    int historyFrom = before == null ? 0 : commonPrefix(before.history(), data.history());
    int savedFrom = before == null ? 0 : commonPrefix(before.saved(), data.saved());
    chains.put(data.chain(), data);
    append(chainLine(nextSeq, batch, data, historyFrom, savedFrom), durable);
  }

  /** Appends a finished batch and forces the file to disk; compacts after the last batch. */
  synchronized void finishBatch(FinishedBatch batch) {
    finished.add(batch);
    chains.clear();
    currentBatch = batch.summary().index() + 1;
    if (finished.size() == expected.batches().size()) {
      compact(); // the run is complete: the file keeps the header and the batches only
      return;
    }
    append(batchLine(nextSeq, batch), true);
  }

  Path file() {
    return file;
  }

  /** Forces what was appended to disk and closes the file. */
  @Override
  public synchronized void close() {
    if (out == null) {
      return;
    }
    try {
      out.getFD().sync();
    } catch (IOException e) {
      throw writeFailed(e);
    } finally {
      try {
        out.close();
      } catch (IOException ignored) {
        // nothing more to do: the data was forced or the failure reported
      }
      out = null;
    }
  }

  /**
   * Length of the longest common prefix of two lists (the same objects, or equal ones). A list
   * that only grew shares its elements with the one before, so each comparison is an identity
   * check: cheap next to the copy of the history each {@link ChainCheckpoint} makes.
   */
  private static <T> int commonPrefix(List<T> a, List<T> b) {
    int n = Math.min(a.size(), b.size());
    int i = 0;
    while (i < n && same(a.get(i), b.get(i))) {
      i++;
    }
    return i;
  }

  private static boolean same(Object x, Object y) {
    return x == y || x.equals(y);
  }

  // ------------------------------------------------------------------ writing

  private ChainLine chainLine(int seq, int batch, ChainData d, int historyFrom, int savedFrom) {
    List<SavedLine> saved = new ArrayList<>(d.saved().size() - savedFrom);
    for (ChainCheckpoint.Saved s : d.saved().subList(savedFrom, d.saved().size())) {
      saved.add(new SavedLine(s.labels(), s.mutualPredictability()));
    }
    return new ChainLine(
        seq, "chain", batch, d.chain(), d.seed(), d.done(), d.iteration(), d.accepted(), d.labels(),
        d.mutualPredictability(), d.bestLabels(), d.bestMutualPredictability(), historyFrom,
        d.history().subList(historyFrom, d.history().size()), savedFrom, saved, d.bestEnd(), d.rng(),
        d.calls(), d.queries(), d.tokens());
  }

  private static BatchLine batchLine(int seq, FinishedBatch b) {
    return new BatchLine(seq, "batch", b.summary().index(), b.summary(), b.labels(), b.counts(), b.details());
  }

  private HeaderLine headerLine() {
    List<List<String>> examples = new ArrayList<>(expected.examples().size());
    for (ExampleDigest e : expected.examples()) {
      examples.add(List.of(e.id(), e.prompt(), e.group(), e.attributes()));
    }
    return new HeaderLine(0, "header", FORMAT, expected.fingerprint(), new TreeMap<>(expected.configuration()), examples);
  }

  /** One line: checksum, space, JSON, line feed. */
  private byte[] line(Object record) {
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(record);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a checkpoint record: " + e.getOriginalMessage(), e);
    }
    byte[] hash = HEX.formatHex(sha256.digest(json)).getBytes(StandardCharsets.US_ASCII);
    byte[] line = new byte[hash.length + 1 + json.length + 1];
    System.arraycopy(hash, 0, line, 0, hash.length);
    line[hash.length] = ' ';
    System.arraycopy(json, 0, line, hash.length + 1, json.length);
    line[line.length - 1] = '\n';
    return line;
  }

  private void append(Object record, boolean durable) {
    byte[] bytes = line(record);
    try {
      if (out == null) {
        out = new FileOutputStream(file.toFile(), true);
      }
      out.write(bytes);
      if (durable) {
        out.getFD().sync();
      }
    } catch (IOException e) {
      throw writeFailed(e);
    }
    nextSeq++;
    appendedBytes += bytes.length;
    if (appendedBytes > Math.max(compactedBytes, MIN_COMPACTION_BYTES)) {
      compact();
    }
  }

  /**
   * Writes the live state to a temporary file, forces it, moves it over the file and forces the
   * directory: a reader sees the old file or the new one, never a mix.
   */
  private void compact() {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      if (out != null) {
        out.close();
        out = null;
      }
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, file.getFileName().toString() + ".", ".tmp");
      long bytes = 0;
      int seq = 0;
      try (FileOutputStream o = new FileOutputStream(tmp.toFile())) {
        List<Object> records = new ArrayList<>();
        records.add(headerLine());
        seq++;
        for (FinishedBatch b : finished) {
          records.add(batchLine(seq++, b));
        }
        for (ChainData c : chains.values()) {
          records.add(chainLine(seq++, currentBatch, c, 0, 0));
        }
        for (Object r : records) {
          byte[] line = line(r);
          o.write(line);
          bytes += line.length;
        }
        o.getFD().sync();
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      forceDirectory(dir);
      nextSeq = seq;
      compactedBytes = bytes;
      appendedBytes = 0;
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          e.addSuppressed(ignored);
        }
      }
      throw writeFailed(e);
    }
  }

  /**
   * Forces a directory entry to disk where the platform allows opening a directory (not Windows).
   * A channel is closed by an interrupt, so the thread's interrupt flag is put aside meanwhile.
   */
  private static void forceDirectory(Path dir) {
    boolean interrupted = Thread.interrupted();
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // the file system cannot force a directory (or an interrupt came meanwhile): the move is
      // all it offers
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private CheckpointException writeFailed(IOException e) {
    return new CheckpointException(
        "cannot write checkpoint " + file + ": " + e + " (check the directory exists and is writable)", e);
  }

  /** Deletes the temporary files an interrupted write of this checkpoint left in its directory. */
  private void removeStaleTemporaries() {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    // this version's names (file.<digits>.tmp) and the format-2 writer's (file<digits>.tmp)
    Pattern stale = Pattern.compile(Pattern.quote(file.getFileName().toString()) + "\\.?[0-9]+\\.tmp");
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (stale.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot remove stale temporary files of checkpoint " + file + ": " + e);
    }
  }

  // ------------------------------------------------------------------ reading

  private void load() {
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
    // the history and saved labelings of each chain of the current batch, as the records build them
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
        truncate(start);
        break;
      }
      read(lineNo, all, start, end);
      start = end + 1;
    }
    for (Map.Entry<Integer, Building> e : building.entrySet()) {
      chains.put(e.getKey(), e.getValue().data());
    }
    building.clear();
    compactedBytes = Math.min(all.length, start);
    appendedBytes = 0;
  }

  private void truncate(long length) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(length);
      f.getFD().sync();
    } catch (IOException e) {
      throw writeFailed(e);
    }
  }

  /** Reads and checks line {@code lineNo}, bytes {@code [start, end)} of the file. */
  private void read(int lineNo, byte[] all, int start, int end) {
    int length = end - start;
    if (length < HASH_CHARS + 2 || all[start + HASH_CHARS] != ' ' || !isHex(all, start, HASH_CHARS)) {
      throw invalidLine(lineNo, "is not a checkpoint record (64 hex digits of its checksum, a space, JSON)");
    }
    byte[] digest = sha256.digest(Arrays.copyOfRange(all, start + HASH_CHARS + 1, end));
    String stated = new String(all, start, HASH_CHARS, StandardCharsets.US_ASCII);
    if (!HEX.formatHex(digest).equals(stated)) {
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

  private static boolean isHex(byte[] b, int from, int n) {
    for (int i = from; i < from + n; i++) {
      byte c = b[i];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private <T> T as(int lineNo, JsonNode node, Class<T> type) {
    try {
      return JSON.treeToValue(node, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw invalidLine(lineNo, e instanceof JsonProcessingException j ? jsonProblem(j, 0) : e.getMessage());
    }
  }

  /** Jackson's own message with the field path and position, without its redacted source. */
  private static String jsonProblem(Exception e, int columnOffset) {
    if (!(e instanceof JacksonException j)) {
      return e.toString();
    }
    Matcher missing = MISSING.matcher(j.getOriginalMessage());
    if (missing.lookingAt()) {
      return "lacks its field '" + missing.group(1) + "'";
    }
    StringBuilder sb = new StringBuilder(j.getOriginalMessage());
    if (j instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder path = new StringBuilder();
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          path.append('[').append(r.getIndex()).append(']');
        }
      }
      sb.append(" (at '").append(path).append("')");
    }
    JsonLocation loc = j.getLocation();
    if (loc != null && loc.getColumnNr() > 0 && columnOffset > 0) {
      sb.append(" (column ").append(loc.getColumnNr() + columnOffset).append(')');
    }
    return sb.toString();
  }

  // ---- the header and the configuration it was written by

  private void header(int lineNo, JsonNode node) {
    JsonNode format = node.get("format");
    if (format == null || !format.isInt()) {
      throw invalidLine(lineNo, "(the header) has no format number");
    }
    if (format.intValue() != FORMAT) {
      throw new CheckpointException(
          "checkpoint " + file + " has format " + format.intValue() + ", this icm4j reads format " + FORMAT
              + ": finish the run with the icm4j version that wrote it, or delete the file to start afresh",
          null);
    }
    HeaderLine h = as(lineNo, node, HeaderLine.class);
    if (!h.fingerprint().equals(expected.fingerprint())) {
      throw new CheckpointException(
          "checkpoint " + file + " was written by another configuration or data set: " + difference(h)
              + "; resume with the same settings, seed and examples, or delete the file to start afresh",
          null);
    }
  }

  /** What differs between the run that wrote the header and this one, in words. */
  private String difference(HeaderLine h) {
    List<String> out = new ArrayList<>();
    Map<String, String> mine = expected.configuration();
    Map<String, String> theirs = h.configuration();
    // the search and the scorer first (they explain the rest), then settings both runs have
    List<String> keys = new ArrayList<>(new TreeSet<>(union(mine.keySet(), theirs.keySet())));
    keys.sort(
        Comparator.comparingInt(
            (String key) -> key.equals("search") || key.equals("scorer") ? 0 : mine.containsKey(key) && theirs.containsKey(key) ? 1 : 2));
    for (String key : keys) {
      String a = theirs.get(key);
      String b = mine.get(key);
      if (Objects.equals(a, b)) {
        continue;
      }
      if (key.equals("scorer") && a != null && b != null) {
        out.add(
            "the scorer is " + a + " in the checkpoint, " + b + " in this run (a checkpoint resumes only"
                + " with a scorer of the class that wrote it)");
      } else if (a == null) {
        out.add("setting '" + key + "' is " + b + " in this run and not set in the checkpoint");
      } else if (b == null) {
        out.add("setting '" + key + "' is " + a + " in the checkpoint and not set in this run");
      } else {
        out.add("setting '" + key + "' is " + a + " in the checkpoint, " + b + " in this run");
      }
    }
    out.addAll(exampleDifferences(h.examples()));
    if (out.isEmpty()) {
      return "its fingerprint is " + h.fingerprint() + ", this run's " + expected.fingerprint()
          + " (no setting or example differs that the header records)";
    }
    int shown = Math.min(out.size(), 4);
    String text = String.join("; ", out.subList(0, shown));
    return out.size() > shown ? text + "; and " + (out.size() - shown) + " more differences" : text;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new HashSet<>(a);
    u.addAll(b);
    return u;
  }

  private List<String> exampleDifferences(List<List<String>> stored) {
    Map<String, ExampleDigest> theirs = new LinkedHashMap<>();
    for (List<String> e : stored) {
      if (e.size() == 4) {
        theirs.put(e.get(0), new ExampleDigest(e.get(0), e.get(1), e.get(2), e.get(3)));
      }
    }
    Map<String, ExampleDigest> mine = new LinkedHashMap<>();
    for (ExampleDigest e : expected.examples()) {
      mine.put(e.id(), e);
    }
    List<String> details = new ArrayList<>();
    for (ExampleDigest e : expected.examples()) {
      ExampleDigest t = theirs.get(e.id());
      if (t == null) {
        details.add("'" + e.id() + "' is new");
      } else if (!t.prompt().equals(e.prompt())) {
        details.add("'" + e.id() + "' has another prompt");
      } else if (!t.group().equals(e.group())) {
        details.add("'" + e.id() + "' has another group");
      } else if (!t.attributes().equals(e.attributes())) {
        details.add("'" + e.id() + "' has other attributes");
      }
    }
    for (String id : theirs.keySet()) {
      if (!mine.containsKey(id)) {
        details.add("'" + id + "' is missing from this run");
      }
    }
    List<String> out = new ArrayList<>();
    if (theirs.size() != mine.size()) {
      out.add("the checkpoint has " + theirs.size() + " examples, this run " + mine.size());
    }
    int shown = Math.min(details.size(), 3);
    if (shown > 0) {
      String text = String.join(", ", details.subList(0, shown));
      out.add(details.size() > shown ? text + " and " + (details.size() - shown) + " more examples differ" : text);
    }
    return out;
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
    if (c.seed() != SplitMix64.derive(expected.seed(), c.batch(), c.chain())) {
      throw invalidLine(lineNo, what + " has seed " + c.seed() + ", not the one the run's seed derives");
    }
    labels(lineNo, what + " labeling", c.labels(), n, false);
    labels(lineNo, what + " best labeling", c.bestLabels(), n, true);
    finite(lineNo, what + " P", c.p());
    finite(lineNo, what + " best P", c.bestP());
    Building b = building.computeIfAbsent(c.chain(), k -> new Building());
    if (c.historyFrom() < 0 || c.historyFrom() > b.history.size()) {
      throw invalidLine(
          lineNo, what + " keeps " + c.historyFrom() + " history records, but the records before it hold " + b.history.size());
    }
    if (c.savedFrom() < 0 || c.savedFrom() > b.saved.size()) {
      throw invalidLine(
          lineNo, what + " keeps " + c.savedFrom() + " saved labelings, but the records before it hold " + b.saved.size());
    }
    List<IterationRecord> dropped = b.history.subList(c.historyFrom(), b.history.size());
    for (IterationRecord r : dropped) {
      b.accepted -= r.accepted() ? 1 : 0;
    }
    dropped.clear();
    b.accepted += records(lineNo, what, c.history(), b.history.size(), n);
    b.history.addAll(c.history());
    b.saved.subList(c.savedFrom(), b.saved.size()).clear();
    for (SavedLine l : c.saved()) {
      labels(lineNo, what + " saved labeling", l.labels(), n, false);
      finite(lineNo, what + " saved labeling's P", l.p());
      b.saved.add(new ChainCheckpoint.Saved(l.labels(), l.p()));
    }
    counts(lineNo, what, c.iteration(), c.accepted(), b.history.size(), b.accepted);
    if (c.done() ? c.bestEnd() < -1 || c.bestEnd() >= b.saved.size() : c.bestEnd() != -1) {
      throw invalidLine(lineNo, what + " returned saved labeling " + c.bestEnd() + " of " + b.saved.size());
    }
    work(lineNo, what, c.calls(), c.queries(), c.tokens());
    b.last = c;
  }

  /** A chain of the current batch as its records build it while the file is read. */
  private static final class Building {
    final List<IterationRecord> history = new ArrayList<>();
    final List<ChainCheckpoint.Saved> saved = new ArrayList<>();
    int accepted;
    @Nullable ChainLine last;

    ChainData data() {
      ChainLine c = Objects.requireNonNull(last);
      return new ChainData(
          c.chain(), c.seed(), c.done(), c.iteration(), c.accepted(), c.labels(), c.p(), List.copyOf(history),
          c.bestLabels(), c.bestP(), List.copyOf(saved), c.bestEnd(), c.rng(), c.calls(), c.queries(), c.tokens());
    }
  }

  /** The chains of the current batch while the file is read. */
  private final Map<Integer, Building> building = new TreeMap<>();

  private void batch(int lineNo, BatchLine b) {
    int n = batchSize(lineNo, b.batch(), "the record");
    String what = "(finished batch " + b.batch() + ")";
    BatchSummary s = b.summary();
    if (s.index() != b.batch()) {
      throw invalidLine(lineNo, what + " holds the summary of batch " + s.index());
    }
    if (!s.exampleIds().equals(expected.batches().get(b.batch()))) {
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
      if (cs.chain() != c || cs.seed() != SplitMix64.derive(expected.seed(), b.batch(), c)) {
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
    finished.add(new FinishedBatch(s, b.labels(), k, b.details()));
    building.clear();
    currentBatch = b.batch() + 1;
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
        return new CheckpointException(
            "checkpoint " + file + " has format " + format.intValue() + ", written by an earlier icm4j; this one"
                + " reads format " + FORMAT + ": finish the run with the icm4j version that wrote it, or delete the"
                + " file to start afresh",
            null);
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

  private static String lineColumn(IOException e) {
    if (e instanceof JacksonException j && j.getLocation() != null && j.getLocation().getLineNr() > 0) {
      return " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
    }
    return "";
  }
}

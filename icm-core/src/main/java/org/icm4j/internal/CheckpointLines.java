package org.icm4j.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.RunCounts;

/**
 * The lines of a checkpoint file (format {@value CheckpointStore#FORMAT}): each is the SHA-256 of
 * a record's JSON bytes in 64 lower-case hex digits, a space, the JSON and a line feed. The
 * records, as JSON, are below; Jackson's messages about them, without the source text it redacts,
 * too. Stateless; the mapper is thread-safe, a {@link MessageDigest} is not (one per store).
 */
final class CheckpointLines {
  private CheckpointLines() {}

  /** Hex digits of a line's checksum. */
  static final int HASH_CHARS = 64;

  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern MISSING = Pattern.compile("Missing (?:required )?creator property '([^']*)'");

  /** Strict: no unknown, missing or null field, no trailing tokens, no float where an int belongs. */
  static final ObjectMapper JSON =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
          .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
          .configure(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS, true)
          .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);

  /** The first line: the format, the fingerprint and what it was computed from. */
  record HeaderLine(
      int seq,
      String kind,
      int format,
      String fingerprint,
      Map<String, String> configuration,
      List<List<String>> examples) {}

  /** A labeling a strategy saved, and its P. */
  record SavedLine(int[] labels, double p) {}

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
      List<IterationRecord> history,
      int savedFrom,
      List<SavedLine> saved,
      int bestEnd,
      long rng,
      long calls,
      long queries,
      long tokens) {}

  /** A finished batch. */
  record BatchLine(
      int seq, String kind, int batch, BatchSummary summary, int[] labels, RunCounts counts, List<LabelDetail> details) {}

  /** A new SHA-256 digest. */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }

  /** One line: checksum, space, JSON, line feed. */
  static byte[] encode(Object record, MessageDigest sha256) {
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

  /** Whether bytes {@code [start, end)} of {@code all} have the shape of a line (without its line feed). */
  static boolean isLine(byte[] all, int start, int end) {
    if (end - start < HASH_CHARS + 2 || all[start + HASH_CHARS] != ' ') {
      return false;
    }
    for (int i = start; i < start + HASH_CHARS; i++) {
      byte c = all[i];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** Whether the JSON of the line at bytes {@code [start, end)} matches its checksum. */
  static boolean checksumMatches(byte[] all, int start, int end, MessageDigest sha256) {
    sha256.update(all, start + HASH_CHARS + 1, end - start - HASH_CHARS - 1);
    String stated = new String(all, start, HASH_CHARS, StandardCharsets.US_ASCII);
    return HEX.formatHex(sha256.digest()).equals(stated);
  }

  /** Jackson's own message with the field path and position, without its redacted source. */
  static String jsonProblem(Exception e, int columnOffset) {
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

  /** Where in the file Jackson stopped, as " at line L, column C", or nothing. */
  static String lineColumn(IOException e) {
    if (e instanceof JacksonException j && j.getLocation() != null && j.getLocation().getLineNr() > 0) {
      return " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
    }
    return "";
  }
}

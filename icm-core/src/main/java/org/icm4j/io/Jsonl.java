package org.icm4j.io;

import static com.google.common.base.Preconditions.checkArgument;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.eval.GoldLabels;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes icm4j data as JSON Lines: UTF-8, one JSON object per line, lines ending in
 * {@code '\n'}. Stateless and thread-safe: every method may be called from any thread at any time.
 *
 * <p>Formats, one object per line:
 *
 * <ul>
 *   <li>examples: {@code {"id": "q1", "prompt": "…", "group": "g1", "attributes": {"answer":
 *       "42"}}}; {@code group} is optional (defaults to the id), {@code attributes} is optional (an
 *       object of strings; numbers and booleans are taken as their JSON text). No other fields;
 *       in particular no {@code label} or {@code gold}: gold labels are for evaluation only and
 *       live in their own file ({@link #readGoldLabels}).
 *   <li>labels and gold labels: {@code {"id": "q1", "label": "True"}}.
 *   <li>SFT records ({@link #writeSft}): {@code {"id": …, "prompt": …, "completion": label}}.
 *   <li>preference pairs ({@link #writePreferencePairs}): {@code {"prompt": …, "chosen": …,
 *       "rejected": …, "source_id": …}}.
 * </ul>
 *
 * <p>Reading skips blank lines and a leading byte order mark, accepts {@code "\r\n"} line ends,
 * and fails on the first unusable line with a {@link MalformedInputException} naming the source,
 * the 1-based line number (blank lines count), the bad value and the expected format. JSON is
 * parsed strictly (no comments, no duplicate keys, one value per line). An I/O failure is thrown as
 * an {@link UncheckedIOException} naming the path.
 *
 * <p>Writing is atomic: the records are written to a temporary file in the target's directory,
 * forced to disk, and moved over the target ({@link StandardCopyOption#ATOMIC_MOVE}, or {@link
 * StandardCopyOption#REPLACE_EXISTING} where the file system cannot move atomically). Readers see
 * the old file or the new one; on failure the temporary file is deleted and the target is left as
 * it was. Records are validated before anything is written. Examples are written in the order
 * given; labels, SFT records and preference pairs in example-id order ({@link String#compareTo}),
 * so they do not depend on the order the examples were given in.
 *
 * <p>Example:
 *
 * <pre>{@code
 * List<Example> examples = Jsonl.readExamples(Path.of("examples.jsonl"));
 * Labeling labels = ...; // e.g. the labels an ICM run chose for the examples
 * Jsonl.writeLabels(Path.of("labels.jsonl"), labels);
 * Jsonl.writeSft(Path.of("sft.jsonl"), examples, labels);
 * // after the run, for evaluation only:
 * GoldLabels gold = Jsonl.readGoldLabels(Path.of("gold.jsonl"), LabelSpace.binary());
 * double agreement = Evaluation.agreement(labels, gold);
 * }</pre>
 */
public final class Jsonl {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
          .build();

  private static final List<String> EXAMPLE_FIELDS = List.of("id", "prompt", "group", "attributes");
  private static final List<String> LABEL_FIELDS = List.of("id", "label");
  private static final Set<String> GOLD_FIELD_NAMES = Set.of("label", "gold");

  private static final String EXAMPLE_FORMAT =
      "each line must be a JSON object with id, prompt and optional group, attributes";
  private static final String LABEL_FORMAT =
      "each line must be a JSON object {\"id\": \"...\", \"label\": \"...\"}";

  private static final int QUOTE_LIMIT = 80;

  private Jsonl() {}

  // ---------------------------------------------------------------------------------------------
  // Examples

  /**
   * Reads examples from a UTF-8 JSON Lines file.
   *
   * @param path the file; its path (as given) names it in error messages
   * @return the examples, in file order
   * @throws MalformedInputException at the first line that is not valid UTF-8 or JSON, not an
   *     object, lacks a string {@code id} or non-empty string {@code prompt}, has a {@code group}
   *     or {@code attributes} of the wrong type, an unknown field (a {@code label} or {@code gold}
   *     field in particular), or repeats an earlier id
   * @throws UncheckedIOException if the file cannot be read
   */
  public static List<Example> readExamples(Path path) {
    requireNonNull(path, "path");
    ExampleCollector c = new ExampleCollector(path.toString());
    forEachLine(path, c::accept);
    return List.copyOf(c.examples);
  }

  /**
   * Reads examples from JSON Lines text. The reader is read to its end and not closed.
   *
   * @param reader the text (decoding is the reader's)
   * @param sourceName the name error messages give the source, e.g. a file name
   * @return the examples, in input order
   * @throws MalformedInputException as {@link #readExamples(Path)}
   * @throws UncheckedIOException if the reader fails
   */
  public static List<Example> readExamples(Reader reader, String sourceName) {
    requireNonNull(reader, "reader");
    requireNonNull(sourceName, "sourceName");
    ExampleCollector c = new ExampleCollector(sourceName);
    forEachLine(reader, sourceName, c::accept);
    return List.copyOf(c.examples);
  }

  /**
   * Writes examples, one line each in the given order, atomically; {@link #readExamples(Path)}
   * reads back an equal list. {@code group} is written only when it differs from the id, {@code
   * attributes} only when there are some.
   *
   * @param path the file to create or replace
   * @param examples the examples, with distinct ids
   * @throws IllegalArgumentException naming the id when two examples share it
   * @throws UncheckedIOException naming the path if the file cannot be written
   */
  public static void writeExamples(Path path, List<Example> examples) {
    requireNonNull(path, "path");
    byId(examples);
    List<String> lines = new ArrayList<>(examples.size());
    for (Example e : examples) {
      ObjectNode n = MAPPER.createObjectNode();
      n.put("id", e.id());
      n.put("prompt", e.prompt());
      if (!e.group().equals(e.id())) {
        n.put("group", e.group());
      }
      if (!e.attributes().isEmpty()) {
        ObjectNode a = n.putObject("attributes");
        e.attributes().forEach(a::put);
      }
      lines.add(toLine(n));
    }
    writeLines(path, lines);
  }

  // ---------------------------------------------------------------------------------------------
  // Labels

  /**
   * Writes a labelling: one line {@code {"id": …, "label": …}} per labelled example, in id order,
   * atomically. Unlabelled examples are omitted ({@link #readLabels} restores them from the
   * examples).
   *
   * @param path the file to create or replace
   * @param labels the labelling
   * @throws UncheckedIOException naming the path if the file cannot be written
   */
  public static void writeLabels(Path path, Labeling labels) {
    requireNonNull(path, "path");
    requireNonNull(labels, "labels");
    writeLines(path, idLabelLines(labels.asMap()));
  }

  /**
   * Reads a labelling written by {@link #writeLabels}: examples without a line are unlabelled.
   *
   * @param path the file; its path names it in error messages
   * @param labelSpace the label space of the labels
   * @param examples the examples the labels belong to, with distinct ids
   * @return the labelling of exactly these examples
   * @throws MalformedInputException at the first line that is not a JSON object with exactly a
   *     string {@code id} and {@code label}, whose label is not in the space, whose id is not
   *     among the examples, or whose id repeats an earlier line
   * @throws IllegalArgumentException naming the id when two examples share it
   * @throws UncheckedIOException if the file cannot be read
   */
  public static Labeling readLabels(Path path, LabelSpace labelSpace, List<Example> examples) {
    requireNonNull(path, "path");
    LabelCollector c = new LabelCollector(path.toString(), labelSpace, exampleIds(examples));
    forEachLine(path, c::accept);
    return c.labeling();
  }

  /**
   * Reads a labelling from JSON Lines text, as {@link #readLabels(Path, LabelSpace, List)}. The
   * reader is read to its end and not closed.
   *
   * @param reader the text
   * @param sourceName the name error messages give the source
   * @param labelSpace the label space of the labels
   * @param examples the examples the labels belong to, with distinct ids
   * @return the labelling of exactly these examples
   * @throws MalformedInputException as {@link #readLabels(Path, LabelSpace, List)}
   * @throws IllegalArgumentException naming the id when two examples share it
   * @throws UncheckedIOException if the reader fails
   */
  public static Labeling readLabels(
      Reader reader, String sourceName, LabelSpace labelSpace, List<Example> examples) {
    requireNonNull(reader, "reader");
    requireNonNull(sourceName, "sourceName");
    LabelCollector c = new LabelCollector(sourceName, labelSpace, exampleIds(examples));
    forEachLine(reader, sourceName, c::accept);
    return c.labeling();
  }

  // ---------------------------------------------------------------------------------------------
  // Gold labels (evaluation only)

  /**
   * Reads gold labels, for evaluation only (see {@link GoldLabels}): lines {@code {"id": …,
   * "label": …}}.
   *
   * @param path the file; its path names it in error messages
   * @param labelSpace the label space of the gold labels
   * @return the gold labels
   * @throws MalformedInputException at the first line that is not a JSON object with exactly a
   *     string {@code id} and {@code label}, whose label is not in the space, or whose id repeats
   *     an earlier line
   * @throws UncheckedIOException if the file cannot be read
   */
  public static GoldLabels readGoldLabels(Path path, LabelSpace labelSpace) {
    requireNonNull(path, "path");
    LabelCollector c = new LabelCollector(path.toString(), labelSpace, null);
    forEachLine(path, c::accept);
    return GoldLabels.of(labelSpace, c.labels);
  }

  /**
   * Reads gold labels from JSON Lines text, as {@link #readGoldLabels(Path, LabelSpace)}. The
   * reader is read to its end and not closed.
   *
   * @param reader the text
   * @param sourceName the name error messages give the source
   * @param labelSpace the label space of the gold labels
   * @return the gold labels
   * @throws MalformedInputException as {@link #readGoldLabels(Path, LabelSpace)}
   * @throws UncheckedIOException if the reader fails
   */
  public static GoldLabels readGoldLabels(Reader reader, String sourceName, LabelSpace labelSpace) {
    requireNonNull(reader, "reader");
    requireNonNull(sourceName, "sourceName");
    LabelCollector c = new LabelCollector(sourceName, labelSpace, null);
    forEachLine(reader, sourceName, c::accept);
    return GoldLabels.of(labelSpace, c.labels);
  }

  /**
   * Writes gold labels, one line {@code {"id": …, "label": …}} each in id order, atomically; {@link
   * #readGoldLabels(Path, LabelSpace)} reads them back equal.
   *
   * @param path the file to create or replace
   * @param gold the gold labels
   * @throws UncheckedIOException naming the path if the file cannot be written
   */
  public static void writeGoldLabels(Path path, GoldLabels gold) {
    requireNonNull(path, "path");
    requireNonNull(gold, "gold");
    writeLines(path, idLabelLines(gold.asMap()));
  }

  // ---------------------------------------------------------------------------------------------
  // Training records

  /**
   * Writes supervised fine-tuning records, one {@code {"id": …, "prompt": …, "completion": label}}
   * per labelled example, in id order, atomically. The completion is the label name as it is (the
   * ICM prompt format ends with the space before the label). Examples the labelling leaves
   * unlabelled, and labels of ids not among {@code examples}, are skipped, so passing a subset of
   * the examples writes the records of that subset.
   *
   * @param path the file to create or replace
   * @param examples the examples, with distinct ids
   * @param labels their labels
   * @throws IllegalArgumentException naming the id when two examples share it
   * @throws UncheckedIOException naming the path if the file cannot be written
   */
  public static void writeSft(Path path, List<Example> examples, Labeling labels) {
    requireNonNull(path, "path");
    requireNonNull(labels, "labels");
    List<String> lines = new ArrayList<>();
    for (Example e : byId(examples).values()) {
      labels
          .label(e.id())
          .ifPresent(
              label -> {
                ObjectNode n = MAPPER.createObjectNode();
                n.put("id", e.id());
                n.put("prompt", e.prompt());
                n.put("completion", label);
                lines.add(toLine(n));
              });
    }
    writeLines(path, lines);
  }

  /**
   * Writes preference pairs (for DPO and reward models) from labelled comparison claims,
   * atomically. Each example states "response {@code left} is better than response {@code right}
   * for {@code query}", with the three texts in its attributes. A labelled example whose label is
   * {@code trueLabel} gives {@code {"prompt": query, "chosen": left, "rejected": right,
   * "source_id": id}}; one with any other label gives {@code chosen = right, rejected = left}.
   *
   * <p>Examples are taken in id order; a pair equal in (prompt, chosen, rejected) to an earlier one
   * (typically the same comparison asked in both orders) is dropped, so the pair keeps the
   * smallest id. Unlabelled examples, and labels of ids not among {@code examples}, are skipped.
   *
   * @param path the file to create or replace
   * @param examples the comparison examples, with distinct ids
   * @param labels their labels
   * @param queryAttribute the attribute holding the query (the pair's prompt)
   * @param leftAttribute the attribute holding the response the claim says is better
   * @param rightAttribute the attribute holding the response the claim says is worse
   * @param trueLabel the label meaning "the claim holds", e.g. {@code "True"}; in the label space
   * @throws IllegalArgumentException naming the example and the attribute when a labelled example
   *     lacks one of the three attributes, when {@code trueLabel} is not in the label space, or
   *     naming the id when two examples share it
   * @throws UncheckedIOException naming the path if the file cannot be written
   */
  public static void writePreferencePairs(
      Path path,
      List<Example> examples,
      Labeling labels,
      String queryAttribute,
      String leftAttribute,
      String rightAttribute,
      String trueLabel) {
    requireNonNull(path, "path");
    requireNonNull(labels, "labels");
    requireNonNull(queryAttribute, "queryAttribute");
    requireNonNull(leftAttribute, "leftAttribute");
    requireNonNull(rightAttribute, "rightAttribute");
    requireNonNull(trueLabel, "trueLabel");
    checkArgument(
        labels.labelSpace().contains(trueLabel),
        "trueLabel '%s' is not in the label space %s",
        trueLabel,
        labels.labelSpace().names());
    Set<List<String>> seen = new HashSet<>();
    List<String> lines = new ArrayList<>();
    for (Example e : byId(examples).values()) {
      String label = labels.label(e.id()).orElse(null);
      if (label == null) {
        continue;
      }
      String query = attribute(e, queryAttribute, "queryAttribute");
      String left = attribute(e, leftAttribute, "leftAttribute");
      String right = attribute(e, rightAttribute, "rightAttribute");
      boolean holds = label.equals(trueLabel);
      String chosen = holds ? left : right;
      String rejected = holds ? right : left;
      if (!seen.add(List.of(query, chosen, rejected))) {
        continue;
      }
      ObjectNode n = MAPPER.createObjectNode();
      n.put("prompt", query);
      n.put("chosen", chosen);
      n.put("rejected", rejected);
      n.put("source_id", e.id());
      lines.add(toLine(n));
    }
    writeLines(path, lines);
  }

  private static String attribute(Example e, String key, String role) {
    String value = e.attribute(key);
    if (value == null) {
      throw new IllegalArgumentException(
          "example '"
              + e.id()
              + "' has no attribute '"
              + key
              + "' (the "
              + role
              + "); its attributes are "
              + e.attributes().keySet()
              + ": give every comparison example its query, left and right attributes");
    }
    return value;
  }

  // ---------------------------------------------------------------------------------------------
  // Line parsing

  /** Collects examples line by line. Not thread-safe; one per read. */
  private static final class ExampleCollector {
    final String source;
    final List<Example> examples = new ArrayList<>();
    final Map<String, Integer> firstLine = new HashMap<>();

    ExampleCollector(String source) {
      this.source = source;
    }

    void accept(int line, String text) {
      ObjectNode obj = parseObject(source, line, text, EXAMPLE_FORMAT);
      if (obj == null) {
        return;
      }
      for (String field : fieldNames(obj)) {
        if (GOLD_FIELD_NAMES.contains(field)) {
          throw new MalformedInputException(
              source,
              line,
              "field '"
                  + field
                  + "' is not allowed: gold labels do not belong in examples (ICM must never see"
                  + " them) — remove it, put the labels in a separate file of"
                  + " {\"id\": ..., \"label\": ...} lines and read it with Jsonl.readGoldLabels"
                  + " for evaluation",
              idOrNull(obj),
              null);
        }
      }
      checkKnownFields(obj, EXAMPLE_FIELDS, source, line, EXAMPLE_FORMAT);
      String id = requiredString(obj, "id", source, line, EXAMPLE_FORMAT, null);
      if (id.isBlank()) {
        throw new MalformedInputException(
            source, line, "field 'id' must not be blank, but was '" + id + "'", id, null);
      }
      String prompt = requiredString(obj, "prompt", source, line, EXAMPLE_FORMAT, id);
      if (prompt.isEmpty()) {
        throw new MalformedInputException(
            source,
            line,
            "field 'prompt' of example '" + id + "' must not be empty — " + EXAMPLE_FORMAT,
            id,
            null);
      }
      String group = id;
      JsonNode g = obj.get("group");
      if (g != null && !g.isNull()) {
        if (!g.isTextual()) {
          throw wrongType(source, line, "group", g, "a string", id);
        }
        group = g.textValue();
        if (group.isBlank()) {
          throw new MalformedInputException(
              source,
              line,
              "field 'group' of example '"
                  + id
                  + "' must not be blank, but was '"
                  + group
                  + "' — omit it to put the example in a group of its own",
              id,
              null);
        }
      }
      Map<String, String> attributes = new TreeMap<>();
      JsonNode a = obj.get("attributes");
      if (a != null && !a.isNull()) {
        if (!a.isObject()) {
          throw wrongType(source, line, "attributes", a, "a JSON object of strings", id);
        }
        for (Map.Entry<String, JsonNode> entry : a.properties()) {
          JsonNode v = entry.getValue();
          if (v.isTextual() || v.isNumber() || v.isBoolean()) {
            attributes.put(entry.getKey(), v.asText());
          } else if (!v.isNull()) {
            throw new MalformedInputException(
                source,
                line,
                "attribute '"
                    + entry.getKey()
                    + "' of example '"
                    + id
                    + "' must be a string, number or boolean, but was "
                    + describe(v)
                    + " — attribute values cannot be nested; flatten them into separate keys or"
                    + " a string",
                id,
                null);
          }
        }
      }
      checkFirstOccurrence(firstLine, id, source, line, "every example needs its own id");
      examples.add(new Example(id, prompt, group, attributes));
    }
  }

  /** Records the line of an id's first occurrence; a second one is an error naming both lines. */
  private static void checkFirstOccurrence(
      Map<String, Integer> firstLine, String id, String source, int line, String remedy) {
    Integer earlier = firstLine.putIfAbsent(id, line);
    if (earlier != null) {
      throw new MalformedInputException(
          source,
          line,
          "duplicate id '" + id + "': first on line " + earlier + ", again on line " + line
              + " — " + remedy,
          id,
          null);
    }
  }

  /**
   * Collects {@code {"id", "label"}} lines; checks ids against the examples when given. Not
   * thread-safe; one per read.
   */
  private static final class LabelCollector {
    final String source;
    final LabelSpace space;
    final @Nullable Set<String> exampleIds;
    final Map<String, String> labels = new LinkedHashMap<>();
    final Map<String, Integer> firstLine = new HashMap<>();

    LabelCollector(String source, LabelSpace space, @Nullable Set<String> exampleIds) {
      this.source = source;
      this.space = requireNonNull(space, "labelSpace");
      this.exampleIds = exampleIds;
    }

    void accept(int line, String text) {
      ObjectNode obj = parseObject(source, line, text, LABEL_FORMAT);
      if (obj == null) {
        return;
      }
      checkKnownFields(obj, LABEL_FIELDS, source, line, LABEL_FORMAT);
      String id = requiredString(obj, "id", source, line, LABEL_FORMAT, null);
      if (id.isBlank()) {
        throw new MalformedInputException(
            source, line, "field 'id' must not be blank, but was '" + id + "'", id, null);
      }
      String label = requiredString(obj, "label", source, line, LABEL_FORMAT, id);
      if (!space.contains(label)) {
        throw new MalformedInputException(
            source,
            line,
            "unknown label '"
                + label
                + "' for id '"
                + id
                + "': the label space is "
                + space.names()
                + " — use one of these names exactly (case matters)",
            id,
            null);
      }
      if (exampleIds != null && !exampleIds.contains(id)) {
        throw new MalformedInputException(
            source,
            line,
            "id '"
                + id
                + "' is not among the "
                + exampleIds.size()
                + " examples given — the labels file must belong to the same examples",
            id,
            null);
      }
      checkFirstOccurrence(firstLine, id, source, line, "give each id at most one label");
      labels.put(id, label);
    }

    Labeling labeling() {
      Set<String> unlabelled = new HashSet<>(requireNonNull(exampleIds, "exampleIds"));
      unlabelled.removeAll(labels.keySet());
      return new Labeling(space, labels, unlabelled);
    }
  }

  /** The parsed object of a line, or {@code null} when the line is blank. */
  private static @Nullable ObjectNode parseObject(
      String source, int line, String text, String format) {
    if (text.isBlank()) {
      return null;
    }
    JsonNode node;
    try (JsonParser parser = MAPPER.createParser(text)) {
      node = MAPPER.readTree(parser);
      if (parser.nextToken() != null) {
        throw new MalformedInputException(
            source,
            line,
            "more than one JSON value on the line (the next starts at column "
                + parser.currentTokenLocation().getColumnNr()
                + "): "
                + abbreviate(text)
                + " — "
                + format
                + ", one object per line",
            null,
            null);
      }
    } catch (JsonProcessingException e) {
      throw new MalformedInputException(
          source,
          line,
          "invalid JSON at column "
              + e.getLocation().getColumnNr()
              + " ("
              + e.getOriginalMessage()
              + "): "
              + abbreviate(text)
              + " — "
              + format,
          null,
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not parse " + source + " line " + line, e);
    }
    if (!(node instanceof ObjectNode obj)) {
      throw new MalformedInputException(
          source,
          line,
          "expected a JSON object, but found "
              + (node == null ? "nothing" : describe(node))
              + " — "
              + format,
          null,
          null);
    }
    return obj;
  }

  private static List<String> fieldNames(ObjectNode obj) {
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      names.add(e.getKey());
    }
    return names;
  }

  private static void checkKnownFields(
      ObjectNode obj, List<String> allowed, String source, int line, String format) {
    List<String> unknown = new ArrayList<>();
    for (String field : fieldNames(obj)) {
      if (!allowed.contains(field)) {
        unknown.add("'" + field + "'");
      }
    }
    if (!unknown.isEmpty()) {
      throw new MalformedInputException(
          source,
          line,
          (unknown.size() == 1 ? "unknown field " : "unknown fields ")
              + String.join(", ", unknown)
              + ": the allowed fields are "
              + String.join(", ", allowed)
              + " — "
              + format,
          idOrNull(obj),
          null);
    }
  }

  private static String requiredString(
      ObjectNode obj,
      String field,
      String source,
      int line,
      String format,
      @Nullable String exampleId) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw new MalformedInputException(
          source,
          line,
          "missing field '"
              + field
              + "'"
              + (exampleId == null ? "" : " of example '" + exampleId + "'")
              + " — "
              + format,
          exampleId,
          null);
    }
    if (!v.isTextual()) {
      throw wrongType(source, line, field, v, "a string", exampleId);
    }
    return v.textValue();
  }

  private static MalformedInputException wrongType(
      String source,
      int line,
      String field,
      JsonNode value,
      String expected,
      @Nullable String exampleId) {
    return new MalformedInputException(
        source,
        line,
        "field '"
            + field
            + "'"
            + (exampleId == null ? "" : " of example '" + exampleId + "'")
            + " must be "
            + expected
            + ", but was "
            + describe(value),
        exampleId,
        null);
  }

  private static @Nullable String idOrNull(ObjectNode obj) {
    JsonNode id = obj.get("id");
    return id != null && id.isTextual() ? id.textValue() : null;
  }

  private static String describe(JsonNode node) {
    String kind =
        switch (node.getNodeType()) {
          case ARRAY -> "an array ";
          case OBJECT, POJO -> "an object ";
          case STRING -> "a string ";
          case NUMBER -> "a number ";
          case BOOLEAN -> "a boolean ";
          case NULL -> "";
          default -> "";
        };
    return kind + abbreviate(node.toString());
  }

  private static String abbreviate(String text) {
    String t = text.strip();
    return t.length() <= QUOTE_LIMIT ? t : t.substring(0, QUOTE_LIMIT) + "…";
  }

  // ---------------------------------------------------------------------------------------------
  // Lines in

  @FunctionalInterface
  private interface LineHandler {
    void accept(int line, String text);
  }

  /** Splits a UTF-8 file into lines, decoding each strictly so a bad byte names its line. */
  private static void forEachLine(Path path, LineHandler handler) {
    String source = path.toString();
    CharsetDecoder decoder =
        UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (InputStream in = Files.newInputStream(path)) {
      byte[] chunk = new byte[8192];
      ByteArrayOutputStream current = new ByteArrayOutputStream();
      int line = 0;
      int n;
      while ((n = in.read(chunk)) != -1) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] == '\n') {
            current.write(chunk, start, i - start);
            line++;
            handler.accept(line, decode(current.toByteArray(), decoder, source, line));
            current.reset();
            start = i + 1;
          }
        }
        current.write(chunk, start, n - start);
      }
      if (current.size() > 0) {
        line++;
        handler.accept(line, decode(current.toByteArray(), decoder, source, line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + path + ": " + e, e);
    }
  }

  private static String decode(byte[] bytes, CharsetDecoder decoder, String source, int line) {
    int from = 0;
    int to = bytes.length;
    if (line == 1
        && to >= 3
        && bytes[0] == (byte) 0xEF
        && bytes[1] == (byte) 0xBB
        && bytes[2] == (byte) 0xBF) {
      from = 3;
    }
    if (to > from && bytes[to - 1] == '\r') {
      to--;
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, from, to - from);
    try {
      return decoder.reset().decode(buffer).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedInputException(
          source,
          line,
          "not valid UTF-8 at byte "
              + (buffer.position() - from + 1)
              + " of the line — save the file as UTF-8",
          null,
          e);
    }
  }

  /** Splits text into lines at {@code '\n'} (dropping a {@code '\r'} before it). */
  private static void forEachLine(Reader reader, String source, LineHandler handler) {
    try {
      char[] chunk = new char[8192];
      StringBuilder current = new StringBuilder();
      int line = 0;
      int n;
      while ((n = reader.read(chunk)) != -1) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] == '\n') {
            current.append(chunk, start, i - start);
            line++;
            handler.accept(line, stripLine(current, line));
            current.setLength(0);
            start = i + 1;
          }
        }
        current.append(chunk, start, n - start);
      }
      if (current.length() > 0) {
        line++;
        handler.accept(line, stripLine(current, line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + source + ": " + e, e);
    }
  }

  private static String stripLine(StringBuilder text, int line) {
    int from = line == 1 && text.length() > 0 && text.charAt(0) == '\uFEFF' ? 1 : 0;
    int to = text.length();
    if (to > from && text.charAt(to - 1) == '\r') {
      to--;
    }
    return text.substring(from, to);
  }

  // ---------------------------------------------------------------------------------------------
  // Lines out

  private static String toLine(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not serialize a JSON tree: " + e.getMessage(), e);
    }
  }

  private static List<String> idLabelLines(Map<String, String> labels) {
    List<String> lines = new ArrayList<>(labels.size());
    new TreeMap<>(labels)
        .forEach(
            (id, label) -> {
              ObjectNode n = MAPPER.createObjectNode();
              n.put("id", id);
              n.put("label", label);
              lines.add(toLine(n));
            });
    return lines;
  }

  /** Examples by id, in id order; rejects duplicate ids. */
  private static Map<String, Example> byId(List<Example> examples) {
    requireNonNull(examples, "examples");
    Map<String, Example> byId = new TreeMap<>(Comparator.naturalOrder());
    for (Example e : examples) {
      requireNonNull(e, "example");
      checkArgument(
          byId.putIfAbsent(e.id(), e) == null,
          "example id '%s' occurs more than once: ids must be unique",
          e.id());
    }
    return byId;
  }

  private static Set<String> exampleIds(List<Example> examples) {
    return byId(examples).keySet();
  }

  /**
   * Writes lines atomically: a temporary file in the target's directory (created with the default
   * permissions, like the target would be), forced to disk, then moved over the target.
   */
  private static void writeLines(Path path, List<String> lines) {
    Path target = path.toAbsolutePath();
    Path dir = target.getParent();
    Path fileName = target.getFileName();
    checkArgument(dir != null && fileName != null, "cannot write to '%s': not a file path", path);
    Path tmp = dir.resolve("." + fileName + "." + UUID.randomUUID() + ".tmp");
    boolean moved = false;
    try {
      try (FileChannel channel =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        Writer out =
            new java.io.BufferedWriter(
                new java.io.OutputStreamWriter(
                    Channels.newOutputStream(channel),
                    UTF_8
                        .newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)));
        for (String line : lines) {
          out.write(line);
          out.write('\n');
        }
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + path + ": " + e, e);
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
          // Best effort: the original failure is the one to report.
        }
      }
    }
  }
}

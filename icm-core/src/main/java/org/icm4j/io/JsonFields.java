package org.icm4j.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One JSON object per line: parses a line strictly into an object, reads its fields with messages
 * that name the source, the line, the field and the bad value, and turns an object into a line.
 * Stateless and thread-safe.
 */
final class JsonFields {
  /** Strict: duplicate keys fail; decimals keep their text. Thread-safe once built. */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
          .build();

  private static final int QUOTE_LIMIT = 80;

  private JsonFields() {}

  /** The parsed object of a line, or {@code null} when the line is blank. */
  static @Nullable ObjectNode parseObject(String source, int line, String text, String format) {
    if (text.isBlank()) {
      return null;
    }
    JsonNode node;
    JsonParser parser;
    try {
      parser = MAPPER.createParser(text);
    } catch (IOException e) {
      throw new UncheckedIOException("could not parse " + source + " line " + line, e);
    }
    try (parser) {
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
    } catch (StreamConstraintsException e) {
      throw new MalformedInputException(source, line, overLimit(e, fieldPath(parser)), null, e);
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw new MalformedInputException(
          source,
          line,
          "invalid JSON"
              + (where == null ? "" : " at column " + where.getColumnNr())
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

  /** The longest string the reader accepts (Jackson's {@code StreamReadConstraints}). */
  static int maxStringLength() {
    return MAPPER.getFactory().streamReadConstraints().getMaxStringLength();
  }

  /** The message for a line that breaks one of the JSON reader's limits. */
  private static String overLimit(StreamConstraintsException e, @Nullable String field) {
    String where = field == null ? "the line" : "field '" + field + "'";
    String detail = String.valueOf(e.getOriginalMessage());
    if (detail.startsWith("String value length")) {
      return String.format(
          Locale.ROOT,
          "%s holds a string longer than %,d characters, the most the JSON reader accepts"
              + " (Jackson's StreamReadConstraints.maxStringLength; it reports: %s) — shorten it"
              + " (icm4j does not raise the limit: no model's context holds that much text)",
          where,
          maxStringLength(),
          detail);
    }
    return where + " exceeds a limit of the JSON reader (" + detail + ") — shorten or simplify it";
  }

  /** Where the parser stopped, as {@code name} or {@code outer.inner}; null outside any field. */
  private static @Nullable String fieldPath(JsonParser parser) {
    List<String> names = new ArrayList<>();
    for (JsonStreamContext c = parser.getParsingContext(); c != null; c = c.getParent()) {
      if (c.getCurrentName() != null) {
        names.add(0, c.getCurrentName());
      }
    }
    return names.isEmpty() ? null : String.join(".", names);
  }

  /**
   * Rejects a string read from a line that holds a lone UTF-16 surrogate (from an escape such as
   * <code>"&#92;ud800"</code> with no partner, or from a reader): it is not a character, and the writer
   * could not write it back as UTF-8.
   *
   * @param what the field, e.g. {@code "field 'prompt' of example 'q1'"}
   */
  static String checkText(
      String value, String what, String source, int line, @Nullable String exampleId) {
    int at = loneSurrogate(value);
    if (at >= 0) {
      throw new MalformedInputException(
          source, line, what + " " + loneSurrogateProblem(value, at), exampleId, null);
    }
    return value;
  }

  /**
   * Checks a string before it is written: no lone surrogate (UTF-8 cannot encode it) and not
   * longer than the reader accepts (it could not be read back).
   *
   * @param field the field, e.g. {@code "prompt"} or {@code "attributes.answer"}
   * @param record what the line is, e.g. {@code "example 'q1'"}
   * @throws IllegalArgumentException naming the record and the field
   */
  static String checkWritable(String value, String field, String record) {
    int at = loneSurrogate(value);
    if (at >= 0) {
      throw new IllegalArgumentException(
          "cannot write " + record + ": field '" + field + "' " + loneSurrogateProblem(value, at));
    }
    if (value.length() > maxStringLength()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "cannot write %s: field '%s' is %,d characters long, more than the %,d that Jsonl"
                  + " reads back (Jackson's StreamReadConstraints.maxStringLength) — shorten it",
              record,
              field,
              value.length(),
              maxStringLength()));
    }
    return value;
  }

  /** The index of the first unpaired surrogate, or -1. */
  private static int loneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static String loneSurrogateProblem(String value, int at) {
    return String.format(
        Locale.ROOT,
        "holds a lone surrogate \\u%04x at character %d (half of a UTF-16 pair with no other half,"
            + " e.g. a JSON escape \"\\u%04x\" alone), which is not a character and cannot be"
            + " written as UTF-8 — remove it or give the whole pair (e.g. \"\\ud83d\\ude00\")",
        (int) value.charAt(at),
        at + 1,
        (int) value.charAt(at));
  }

  static List<String> fieldNames(ObjectNode obj) {
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      names.add(e.getKey());
    }
    return names;
  }

  static void checkKnownFields(
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

  /** The line's {@code id}: a non-blank string. */
  static String requiredId(ObjectNode obj, String source, int line, String format) {
    String id = requiredString(obj, "id", source, line, format, null);
    if (id.isBlank()) {
      throw new MalformedInputException(
          source, line, "field 'id' must not be blank, but was '" + id + "'", id, null);
    }
    return id;
  }

  static String requiredString(
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
    return checkText(
        v.textValue(),
        "field '" + field + "'" + (exampleId == null ? "" : " of example '" + exampleId + "'"),
        source,
        line,
        exampleId);
  }

  static MalformedInputException wrongType(
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

  /** Records the line of an id's first occurrence; a second one is an error naming both lines. */
  static void checkFirstOccurrence(
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

  static @Nullable String idOrNull(ObjectNode obj) {
    JsonNode id = obj.get("id");
    return id != null && id.isTextual() ? id.textValue() : null;
  }

  static String describe(JsonNode node) {
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

  /** A new empty object, to be filled and passed to {@link #toLine}. */
  static ObjectNode newObject() {
    return MAPPER.createObjectNode();
  }

  /** The object as one line of JSON (no line end). */
  static String toLine(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not serialize a JSON tree: " + e.getMessage(), e);
    }
  }
}

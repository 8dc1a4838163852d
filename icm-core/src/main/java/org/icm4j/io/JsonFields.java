package org.icm4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
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
    return v.textValue();
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

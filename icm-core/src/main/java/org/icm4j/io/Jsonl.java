package org.icm4j.io;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.eval.GoldLabels;
import org.icm4j.reward.PreferencePair;

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
 *   <li>DPO pairs ({@link #writeDpoPairs}): {@code {"prompt": question, "chosen": response,
 *       "rejected": response}}, from the examples' attributes.
 *   <li>preference pairs of a labelling ({@link #writePreferencePairs(Path, List)}, from {@link
 *       org.icm4j.reward.PreferencePairs}): {@code {"group": …, "chosen_id": …, "chosen": prompt,
 *       "rejected_id": …, "rejected": prompt, "source": …}}, with {@code "chosen_probability"}
 *       and {@code "rejected_probability"} when known.
 * </ul>
 *
 * <p>Reading skips blank lines and a leading byte order mark, accepts {@code "\r\n"} line ends,
 * and fails on the first unusable line with a {@link MalformedInputException} naming the source,
 * the 1-based line number (blank lines count), the bad value and the expected format. JSON is
 * parsed strictly (no comments, no duplicate keys, one value per line). A string longer than
 * 20,000,000 characters (Jackson's {@code StreamReadConstraints.maxStringLength}, which icm4j does
 * not raise) and a lone UTF-16 surrogate (an escape such as <code>&#92;ud800</code> with no
 * partner) are such unusable values: the message names the field. An I/O failure is thrown as an
 * {@link UncheckedIOException} naming the path.
 *
 * <p>Writing is atomic: the records are written to a temporary file in the target's directory,
 * forced to disk, and moved over the target ({@link StandardCopyOption#ATOMIC_MOVE}, or {@link
 * StandardCopyOption#REPLACE_EXISTING} where the file system cannot move atomically). Readers see
 * the old file or the new one; on failure the temporary file is deleted and the target is left as
 * it was. Records are validated before anything is written: a string the reader would reject (a
 * lone surrogate, which UTF-8 cannot encode, or more than 20,000,000 characters) fails with an
 * {@link IllegalArgumentException} naming the example and the field. Examples are written in the order
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
    ExampleLines.Collector c = new ExampleLines.Collector(path.toString());
    JsonLines.forEachLine(path, c::accept);
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
    ExampleLines.Collector c = new ExampleLines.Collector(sourceName);
    JsonLines.forEachLine(reader, sourceName, c::accept);
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
    JsonLines.writeLines(path, ExampleLines.lines(examples));
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
    JsonLines.writeLines(path, LabelLines.lines(labels.asMap()));
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
    LabelLines.Collector c =
        new LabelLines.Collector(path.toString(), labelSpace, ExampleLines.ids(examples));
    JsonLines.forEachLine(path, c::accept);
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
    LabelLines.Collector c =
        new LabelLines.Collector(sourceName, labelSpace, ExampleLines.ids(examples));
    JsonLines.forEachLine(reader, sourceName, c::accept);
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
    LabelLines.Collector c = new LabelLines.Collector(path.toString(), labelSpace, null);
    JsonLines.forEachLine(path, c::accept);
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
    LabelLines.Collector c = new LabelLines.Collector(sourceName, labelSpace, null);
    JsonLines.forEachLine(reader, sourceName, c::accept);
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
    JsonLines.writeLines(path, LabelLines.lines(gold.asMap()));
  }

  // ---------------------------------------------------------------------------------------------
  // Training records

  /**
   * Writes supervised fine-tuning records, one {@code {"id": …, "prompt": …, "completion": label}}
   * per labelled example, in id order, atomically. The completion is the label name as it is;
   * prompts end without a trailing space, so a trainer that joins prompt and completion puts the
   * space between them (as icm-djl's verbalizer {@code " True"} does). Examples the labelling leaves
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
    JsonLines.writeLines(path, TrainingLines.sft(examples, labels));
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
    List<String> lines =
        TrainingLines.preferencePairs(examples, labels, queryAttribute, leftAttribute, rightAttribute, trueLabel);
    checkArgument(
        !lines.isEmpty(),
        "no preference pairs to write to %s: none of the %s examples is labelled (or among the"
            + " labelling's ids); nothing was written",
        path,
        examples.size());
    JsonLines.writeLines(path, lines);
  }

  /**
   * Writes preference pairs made by {@link org.icm4j.reward.PreferencePairs} (for an external reward
   * model or DPO trainer), one {@code {"group": …, "chosen_id": …, "chosen": …, "rejected_id": …,
   * "rejected": …, "source": …}} per pair, in the order given, atomically. {@code chosen} and
   * {@code rejected} are the responses' prompts (the claims a reward model reads); {@code
   * "chosen_probability"} and {@code "rejected_probability"} (ICM's probability of each label) are
   * written when known.
   *
   * @param path the file to create or replace
   * @param pairs the pairs
   * @throws IllegalArgumentException naming the pair and the field when a string cannot be written
   * @throws UncheckedIOException naming the path if the file cannot be written
   */
  public static void writePreferencePairs(Path path, List<PreferencePair> pairs) {
    requireNonNull(path, "path");
    requireNonNull(pairs, "pairs");
    checkArgument(!pairs.isEmpty(), NO_PAIRS, path);
    JsonLines.writeLines(path, TrainingLines.pairs(pairs));
  }

  private static final String NO_PAIRS =
      "no preference pairs to write to %s: the list is empty (PreferencePairs makes a pair only in a"
          + " group with a response of a better label and one of a worse label; check the labels, the"
          + " preferred label or label order, and the groups); nothing was written";

  /**
   * Writes preference pairs in the form DPO trainers read (for example TRL's {@code DPOTrainer}):
   * one {@code {"prompt": …, "chosen": …, "rejected": …}} per pair, where {@code prompt} is the
   * question both responses answer and {@code chosen} / {@code rejected} are the responses alone,
   * taken from the examples' attributes (the examples' prompts are ICM's classification prompts,
   * which a DPO trainer must not see). In the order given, atomically; a pair equal in (prompt,
   * chosen, rejected) to an earlier one is dropped.
   *
   * <pre>{@code
   * List<PreferencePair> pairs = PreferencePairs.fromResult(
   *     examples, result, List.of("helpful", "unhelpful", "harmful"), "ICM, seed 1");
   * Jsonl.writeDpoPairs(Path.of("dpo.jsonl"), pairs, "question", "response");
   * }</pre>
   *
   * @param path the file to create or replace
   * @param pairs the pairs, at least one
   * @param promptAttribute the attribute holding the question (the same for both responses)
   * @param responseAttribute the attribute holding a response
   * @throws IllegalArgumentException when there is no pair (nothing is written), naming the
   *     example and the attribute when a response lacks one, or the pair when its two responses
   *     have different prompts
   * @throws UncheckedIOException naming the path if the file cannot be written
   */
  public static void writeDpoPairs(
      Path path, List<PreferencePair> pairs, String promptAttribute, String responseAttribute) {
    requireNonNull(path, "path");
    requireNonNull(pairs, "pairs");
    checkArgument(!pairs.isEmpty(), NO_PAIRS, path);
    JsonLines.writeLines(path, TrainingLines.dpo(pairs, promptAttribute, responseAttribute));
  }
}

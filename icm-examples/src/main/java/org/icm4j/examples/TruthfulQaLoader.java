package org.icm4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Rules;
import org.icm4j.eval.GoldLabels;
import org.icm4j.io.MalformedInputException;
import org.icm4j.spi.ConsistencyRule;

/**
 * TruthfulQA claims: each answer of each question's {@code Correct Answers} and {@code Incorrect
 * Answers} lists, as a claim to be labelled True or False. Immutable and thread-safe.
 *
 * <p>The data is {@code TruthfulQA.csv} of sylinrl/TruthfulQA (Apache-2.0; bundled, see {@link
 * #bundled()}): RFC 4180 CSV with a header row. Its fields are quoted when they hold commas,
 * quotes or line breaks, and the file starts with a UTF-8 byte order mark. It is parsed with
 * Jackson's {@code jackson-dataformat-csv}, which comes from the same release as the Jackson that
 * icm-core already uses. The columns {@code Question}, {@code Correct Answers} and {@code Incorrect
 * Answers} are required; the others are ignored.
 *
 * <p>The answers of a list are separated by {@code "; "}. Each answer is stripped, a stray {@code
 * ;} at its end is removed ({@code "America;"}: 22 answers of the bundled file), and empty answers
 * (from a trailing {@code "; "}: 2) and answers repeated within one list (3) are dropped. An answer
 * that appears in both lists stays in both: in the bundled file, {@code Unknown} does so in 2
 * questions. Such pairs are two claims with the same prompt and opposite gold labels. The bundled
 * file gives 813 questions and 6168 claims (2816 correct, 3352 incorrect).
 *
 * <p>For question {@code q} (0-based row after the header) the claims are the {@link Example}s
 *
 * <ul>
 *   <li>id {@code truthfulqa-<q>-<k>}, with {@code q} zero-padded to 4 digits and {@code k} to 2.
 *       {@code k} numbers the question's answers sorted by their text, not list by list, so that
 *       neither the id nor the id order (which is the context order) tells which list an answer
 *       came from;
 *   <li>group {@code truthfulqa-<q>} (the question);
 *   <li>prompt {@code "Question: <question>\nClaim: <answer>\nI think this claim is"} (no trailing
 *       space);
 *   <li>attribute {@value #ANSWER_ATTRIBUTE}: the answer, lower-cased, with runs of whitespace made
 *       one space and a final full stop removed. It comes from the answer's text alone.
 * </ul>
 *
 * <p>The gold label (which list the answer came from: {@code "True"} for {@code Correct Answers})
 * goes into the {@link ClaimSet}'s {@link GoldLabels}, never into an example.
 *
 * <p><b>Rules: none</b> ({@link #rules()} is empty). A rule must come from the claims alone, never
 * from which list an answer came from. From free-text answers, the only such rule is {@link
 * Rules#equivalence(String) Rules.equivalence("answer")}: answers with the same normalised text
 * get the same label. On the bundled file, after the answers of each list are de-duplicated, that
 * rule relates just 2 pairs of claims, and the gold labels break both of them: they are the
 * {@code Unknown} answers listed as both correct and incorrect (measured by {@code
 * TruthfulQaLoaderTest}). The rule would add no information and would only push against gold.
 * Exclusion rules ("at most one True per question") do not hold, because a question has several
 * correct answers. Relating paraphrases would need a model, not the inputs. So the search
 * rests on mutual predictability alone. Add the equivalence rule yourself if your data repeats
 * answers within a question.
 */
public final class TruthfulQaLoader {

  /** The attribute holding a claim's normalised answer text. */
  public static final String ANSWER_ATTRIBUTE = "answer";

  /** The bundled file, as a class-path resource. */
  public static final String RESOURCE = "/org/icm4j/examples/data/truthfulqa/TruthfulQA.csv";

  private static final String QUESTION = "Question";
  private static final String CORRECT = "Correct Answers";
  private static final String INCORRECT = "Incorrect Answers";
  private static final String SEPARATOR = "; ";
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final ObjectReader CSV_ROWS =
      new CsvMapper()
          .readerForListOf(String.class)
          .with(CsvSchema.emptySchema())
          .with(CsvParser.Feature.WRAP_AS_ARRAY);

  private record Answer(String text, boolean correct) {}

  private record Question(String text, List<Answer> answers) {}

  private final List<Question> questions;

  private TruthfulQaLoader(List<Question> questions) {
    this.questions = List.copyOf(questions);
  }

  /**
   * The bundled file (813 questions).
   *
   * @return a loader of the bundled file
   * @throws IllegalStateException if the resource is missing from the class path (a broken build)
   */
  public static TruthfulQaLoader bundled() {
    InputStream in = TruthfulQaLoader.class.getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IllegalStateException(
          "the bundled TruthfulQA file " + RESOURCE + " is not on the class path: rebuild"
              + " icm-examples");
    }
    try (in) {
      return parse(new String(in.readAllBytes(), UTF_8), "bundled " + RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the bundled " + RESOURCE + ": " + e, e);
    }
  }

  /**
   * Reads a file in the format of {@code TruthfulQA.csv} (UTF-8, optional byte order mark).
   *
   * @param path the file
   * @return a loader of the file
   * @throws UncheckedIOException naming the path when it cannot be read
   * @throws MalformedInputException naming the path and line when the file is not such CSV
   */
  public static TruthfulQaLoader fromFile(Path path) {
    requireNonNull(path, "path");
    try {
      return parse(Files.readString(path, UTF_8), path.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + path + ": " + e, e);
    }
  }

  /**
   * Reads CSV in the format of {@code TruthfulQA.csv}.
   *
   * @param reader the text (a leading byte order mark is skipped); not closed
   * @param sourceName the name used in error messages (e.g. the path)
   * @return a loader of the text
   * @throws MalformedInputException naming the source and line when the CSV cannot be parsed, a
   *     required column is missing, a row has another number of fields than the header, a question
   *     is blank, or there are no questions
   * @throws UncheckedIOException when reading fails
   */
  public static TruthfulQaLoader read(Reader reader, String sourceName) {
    requireNonNull(reader, "reader");
    requireNonNull(sourceName, "sourceName");
    StringWriter text = new StringWriter();
    try {
      reader.transferTo(text);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + sourceName + ": " + e, e);
    }
    return parse(text.toString(), sourceName);
  }

  private static TruthfulQaLoader parse(String text, String source) {
    requireNonNull(source, "source");
    String csv = text.startsWith("\uFEFF") ? text.substring(1) : text;
    List<Question> questions = new ArrayList<>();
    int line = 1;
    try (MappingIterator<List<String>> rows = CSV_ROWS.readValues(csv)) {
      if (!rows.hasNext()) {
        throw new MalformedInputException(source, 1, "no header row: the file is empty", null, null);
      }
      List<String> header = rows.next();
      int question = column(header, QUESTION, source);
      int correct = column(header, CORRECT, source);
      int incorrect = column(header, INCORRECT, source);
      while (rows.hasNext()) {
        line = Math.max(1, rows.getCurrentLocation().getLineNr());
        List<String> row = rows.next();
        if (row.size() == 1 && row.get(0).isEmpty()) {
          continue; // a blank line
        }
        if (row.size() != header.size()) {
          throw new MalformedInputException(
              source, line,
              "a row with " + row.size() + " fields, but the header has " + header.size()
                  + ": quote fields that hold commas, quotes or line breaks (RFC 4180)",
              null, null);
        }
        String q = row.get(question);
        if (q.isBlank()) {
          throw new MalformedInputException(
              source, line, "the column '" + QUESTION + "' is blank", null, null);
        }
        List<Answer> answers = new ArrayList<>();
        for (String a : split(row.get(correct))) {
          answers.add(new Answer(a, true));
        }
        for (String a : split(row.get(incorrect))) {
          answers.add(new Answer(a, false));
        }
        if (answers.isEmpty()) {
          throw new MalformedInputException(
              source, line, "the question '" + q + "' has no answers", null, null);
        }
        // Number the answers by their text, so that ids do not reveal which list they came from.
        answers.sort(Comparator.comparing(Answer::text));
        questions.add(new Question(q, answers));
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof MalformedInputException m) {
        throw m;
      }
      throw new MalformedInputException(
          source, line, "not readable as CSV (" + e.getMessage() + ")", null, e);
    }
    if (questions.isEmpty()) {
      throw new MalformedInputException(source, line, "no questions after the header", null, null);
    }
    return new TruthfulQaLoader(questions);
  }

  private static int column(List<String> header, String name, String source) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new MalformedInputException(
          source, 1,
          "no column '" + name + "' in the header " + header + ": the columns '" + QUESTION
              + "', '" + CORRECT + "' and '" + INCORRECT + "' are required",
          null, null);
    }
    return i;
  }

  /** The cleaned, distinct answers of one list, in list order. */
  static List<String> split(String list) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String piece : list.split(Pattern.quote(SEPARATOR), -1)) {
      String a = piece.strip();
      while (a.endsWith(";")) {
        a = a.substring(0, a.length() - 1).strip();
      }
      if (!a.isEmpty()) {
        out.add(a);
      }
    }
    return List.copyOf(out);
  }

  /** The {@value #ANSWER_ATTRIBUTE} attribute of an answer: lower case, one space, no final full stop. */
  static String normalizeAnswer(String answer) {
    String s = WHITESPACE.matcher(answer.strip()).replaceAll(" ").toLowerCase(Locale.ROOT);
    while (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1).stripTrailing();
    }
    return s;
  }

  /**
   * Number of questions.
   *
   * @return the number of questions (CSV rows after the header)
   */
  public int questionCount() {
    return questions.size();
  }

  /**
   * The indices {@code 0 .. n-1}.
   *
   * @param n how many questions
   * @return the first {@code n} question indices
   * @throws IllegalArgumentException unless {@code 1 <= n <= questionCount()}
   */
  public List<Integer> firstQuestions(int n) {
    return Questions.first(n, questions.size());
  }

  /**
   * {@code n} distinct question indices drawn with {@code new SplittableRandom(seed)}, in
   * ascending order: the same seed and file give the same questions.
   *
   * @param n how many questions
   * @param seed the seed of the draw
   * @return the drawn question indices, ascending
   * @throws IllegalArgumentException unless {@code 1 <= n <= questionCount()}
   */
  public List<Integer> sampleQuestions(int n, long seed) {
    return Questions.sample(n, questions.size(), seed);
  }

  /**
   * The claims of every question.
   *
   * @return the claims, their rules and their gold labels
   */
  public ClaimSet claims() {
    return claims(firstQuestions(questions.size()));
  }

  /**
   * The claims of the given questions, in question order.
   *
   * @param questionIndices 0-based, distinct, non-empty
   * @return the claims, their (empty) rules and their gold labels
   * @throws IllegalArgumentException for an empty list, a repeated index or one out of range
   */
  public ClaimSet claims(Collection<Integer> questionIndices) {
    requireNonNull(questionIndices, "questionIndices");
    List<Integer> indices = Questions.checkIndices(questionIndices, questions.size());
    List<Example> examples = new ArrayList<>();
    Map<String, String> gold = new LinkedHashMap<>();
    for (int q : indices) {
      Question question = questions.get(q);
      String group = String.format("truthfulqa-%04d", q);
      for (int k = 0; k < question.answers().size(); k++) {
        Answer a = question.answers().get(k);
        String id = String.format("%s-%02d", group, k);
        examples.add(
            new Example(
                id,
                Questions.prompt(question.text(), a.text()),
                group,
                Map.of(ANSWER_ATTRIBUTE, normalizeAnswer(a.text()))));
        gold.put(id, a.correct() ? "True" : "False");
      }
    }
    return new ClaimSet(examples, GoldLabels.of(LabelSpace.binary(), gold), rules(), 0);
  }

  /**
   * The rules of TruthfulQA claims: none (see the class documentation for why).
   *
   * @return an empty list
   */
  public static List<ConsistencyRule> rules() {
    return List.of();
  }

  @Override
  public String toString() {
    return "TruthfulQaLoader{questions=" + questions.size() + "}";
  }
}

package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Rules;
import org.icm4j.eval.GoldLabels;
import org.icm4j.io.MalformedInputException;
import org.icm4j.spi.ConsistencyRule;

/**
 * GSM8K verification claims (the task of the ICM paper): each GSM8K test question with four model
 * solutions, each solution a claim to be labelled True (correct) or False. Immutable and
 * thread-safe.
 *
 * <p>The data is OpenAI's {@code example_model_solutions.jsonl} (MIT; bundled, see {@link
 * #bundled()}): one JSON object per line with {@code question}, {@code ground_truth} and, for each
 * of {@link #SOLUTION_KEYS}, {@code {"solution": ..., "is_correct": ...}}. The bundled file has
 * 1319 questions, so 5276 claims.
 *
 * <p>For question {@code q} (0-based line index, blank lines not counted) and solution key {@code
 * k} the claim is the {@link Example}
 *
 * <ul>
 *   <li>id {@code gsm8k-<q>-<k>}, with {@code q} zero-padded to 4 digits ({@code
 *       gsm8k-0042-175b_verification}) so that ids sort by question;
 *   <li>group {@code gsm8k-<q>} (the question);
 *   <li>prompt {@code "Question: <question>\nClaim: <solution>\nI think this claim is"}, the
 *       official ICM template, without a trailing space: the verbalizer supplies {@code " True"} or
 *       {@code " False"};
 *   <li>attribute {@value #ANSWER_ATTRIBUTE}: the solution's {@link #finalAnswer final answer},
 *       {@link #normalizeAnswer normalised}; absent when the solution has no final answer (11
 *       truncated solutions of the bundled file).
 * </ul>
 *
 * <p>The gold label ({@code is_correct}: {@code "True"} or {@code "False"} of {@link
 * LabelSpace#binary()}) goes into the {@link ClaimSet}'s {@link GoldLabels}, never into an example.
 * The reference solution ({@code ground_truth}) is not read at all.
 *
 * <p>Rules ({@link #rules()}): {@link Rules#answerKey(String) Rules.answerKey("answer")}, derived
 * from the final answers alone: two solutions of one question with different final answers
 * cannot both be True, and two with the same final answer must have the same label. On the
 * bundled file the gold labels satisfy this rule in every one of the 7882 pairs it relates
 * (measured by {@code Gsm8kLoaderTest}); without the normalisation of commas they would break it
 * twice.
 *
 * <pre>{@code
 * Gsm8kLoader gsm8k = Gsm8kLoader.bundled();
 * ClaimSet claims = gsm8k.claims(gsm8k.sampleQuestions(64, 42)); // 256 claims
 * IcmResult result = Icm.builder().scorer(scorer).rules(claims.rules()).seed(42).build()
 *     .run(claims.examples());
 * double agreement = Evaluation.agreement(result.labels(), claims.gold()); // after the run
 * }</pre>
 */
public final class Gsm8kLoader {

  /** The four model solutions of each question, in the order claims are made. */
  public static final List<String> SOLUTION_KEYS =
      List.of("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification");

  /** The attribute holding a claim's normalised final answer. */
  public static final String ANSWER_ATTRIBUTE = "answer";

  /** The bundled file, as a class-path resource. */
  public static final String RESOURCE =
      "/org/icm4j/examples/data/gsm8k-verification/example_model_solutions.jsonl";

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final Pattern FINAL_ANSWER_LINE = Pattern.compile("(?m)^A:");
  private static final Pattern DIGIT_COMMA = Pattern.compile("(?<=\\d),(?=\\d)");
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final Pattern PLAIN_NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)");

  private static final String FORMAT =
      ": each line must be a JSON object with a string 'question' and, for each of "
          + SOLUTION_KEYS + ", an object {\"solution\": string, \"is_correct\": boolean}";

  private record Solution(String key, String text, boolean correct) {}

  private record Question(String text, List<Solution> solutions) {}

  private final List<Question> questions;

  private Gsm8kLoader(List<Question> questions) {
    this.questions = List.copyOf(questions);
  }

  /**
   * The bundled file (1319 questions).
   *
   * @return a loader of the bundled file
   * @throws IllegalStateException if the resource is missing from the class path (a broken build)
   */
  public static Gsm8kLoader bundled() {
    InputStream in = Gsm8kLoader.class.getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IllegalStateException(
          "the bundled GSM8K file " + RESOURCE + " is not on the class path: rebuild icm-examples");
    }
    try (Reader reader = new InputStreamReader(in, UTF_8)) {
      return read(reader, "bundled " + RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the bundled " + RESOURCE + ": " + e, e);
    }
  }

  /**
   * Reads a file in the format of {@code example_model_solutions.jsonl}.
   *
   * @param path the file (UTF-8)
   * @return a loader of the file
   * @throws UncheckedIOException naming the path when it cannot be read
   * @throws MalformedInputException naming the path and line when a line is unusable
   */
  public static Gsm8kLoader fromFile(Path path) {
    requireNonNull(path, "path");
    try (Reader reader = Files.newBufferedReader(path, UTF_8)) {
      return read(reader, path.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + path + ": " + e, e);
    }
  }

  /**
   * Reads JSON Lines in the format of {@code example_model_solutions.jsonl}; blank lines are
   * skipped (and not counted as questions). Other top-level fields (such as {@code ground_truth})
   * are ignored.
   *
   * @param reader the text; not closed
   * @param sourceName the name used in error messages (e.g. the path)
   * @return a loader of the text
   * @throws MalformedInputException naming the source and 1-based line when a line is not a JSON
   *     object with a string {@code question} and, for each of {@link #SOLUTION_KEYS}, an object
   *     with a string {@code solution} and a boolean {@code is_correct}; or when there are no
   *     questions
   * @throws UncheckedIOException when reading fails
   */
  public static Gsm8kLoader read(Reader reader, String sourceName) {
    requireNonNull(reader, "reader");
    requireNonNull(sourceName, "sourceName");
    BufferedReader lines =
        reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    List<Question> questions = new ArrayList<>();
    int lineNumber = 0;
    try {
      String line;
      while ((line = lines.readLine()) != null) {
        lineNumber++;
        if (lineNumber == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        if (line.isBlank()) {
          continue;
        }
        questions.add(parse(line, sourceName, lineNumber));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + sourceName + ": " + e, e);
    }
    if (questions.isEmpty()) {
      throw new MalformedInputException(
          sourceName, Math.max(1, lineNumber), "no questions: the file is empty", null, null);
    }
    return new Gsm8kLoader(questions);
  }

  private static Question parse(String line, String source, int lineNumber) {
    JsonNode root;
    try {
      root = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new MalformedInputException(
          source, lineNumber, "invalid JSON (" + e.getOriginalMessage() + ")" + FORMAT, null, e);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedInputException(
          source, lineNumber, "not a JSON object" + FORMAT, null, null);
    }
    JsonNode question = root.get("question");
    if (question == null || !question.isTextual() || question.asText().isBlank()) {
      throw new MalformedInputException(
          source, lineNumber, "missing or blank string field 'question'" + FORMAT, null, null);
    }
    List<Solution> solutions = new ArrayList<>(SOLUTION_KEYS.size());
    for (String key : SOLUTION_KEYS) {
      JsonNode s = root.get(key);
      JsonNode text = s == null ? null : s.get("solution");
      JsonNode correct = s == null ? null : s.get("is_correct");
      if (s == null || !s.isObject()) {
        throw new MalformedInputException(
            source, lineNumber, "missing object field '" + key + "'" + FORMAT, null, null);
      }
      if (text == null || !text.isTextual() || text.asText().isBlank()) {
        throw new MalformedInputException(
            source, lineNumber, "'" + key + "' has no non-blank string 'solution'" + FORMAT,
            null, null);
      }
      if (correct == null || !correct.isBoolean()) {
        throw new MalformedInputException(
            source, lineNumber,
            "'" + key + "' has no boolean 'is_correct' (was " + correct + ")" + FORMAT, null, null);
      }
      solutions.add(new Solution(key, text.asText(), correct.asBoolean()));
    }
    return new Question(question.asText(), solutions);
  }

  /**
   * Number of questions.
   *
   * @return the number of questions; each gives {@code SOLUTION_KEYS.size()} claims
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
   * @param questionIndices 0-based, distinct, non-empty (for example from {@link
   *     #sampleQuestions})
   * @return the claims, their rules and their gold labels
   * @throws IllegalArgumentException for an empty list, a repeated index or one out of range
   */
  public ClaimSet claims(Collection<Integer> questionIndices) {
    return claims(questionIndices, Integer.MAX_VALUE);
  }

  /**
   * The claims of the given questions, with the question and the solution each cut to at most
   * {@code maxTextChars} characters in the prompt, so that small models' contexts can hold them.
   * Only the prompt is cut: the {@value #ANSWER_ATTRIBUTE} attribute comes from the whole
   * solution. {@link ClaimSet#truncatedTexts()} counts the texts that were cut.
   *
   * @param questionIndices 0-based, distinct, non-empty
   * @param maxTextChars at least 1; {@link Integer#MAX_VALUE} for no limit
   * @return the claims, their rules and their gold labels
   * @throws IllegalArgumentException for an empty list, a repeated index or one out of range, or
   *     {@code maxTextChars < 1}
   */
  public ClaimSet claims(Collection<Integer> questionIndices, int maxTextChars) {
    requireNonNull(questionIndices, "questionIndices");
    checkArgument(maxTextChars >= 1, "maxTextChars must be >= 1, but was %s", maxTextChars);
    List<Integer> indices = Questions.checkIndices(questionIndices, questions.size());
    List<Example> examples = new ArrayList<>(indices.size() * SOLUTION_KEYS.size());
    Map<String, String> gold = new LinkedHashMap<>();
    int truncated = 0;
    for (int q : indices) {
      Question question = questions.get(q);
      String group = String.format("gsm8k-%04d", q);
      String questionText = Questions.truncate(question.text(), maxTextChars);
      for (Solution s : question.solutions()) {
        String id = group + "-" + s.key();
        String solutionText = Questions.truncate(s.text(), maxTextChars);
        truncated += (questionText.length() < question.text().length() ? 1 : 0)
            + (solutionText.length() < s.text().length() ? 1 : 0);
        Map<String, String> attributes = new LinkedHashMap<>();
        finalAnswer(s.text()).ifPresent(a -> attributes.put(ANSWER_ATTRIBUTE, a));
        examples.add(
            new Example(id, Questions.prompt(questionText, solutionText), group, attributes));
        gold.put(id, s.correct() ? "True" : "False");
      }
    }
    return new ClaimSet(examples, GoldLabels.of(LabelSpace.binary(), gold), rules(), truncated);
  }

  /**
   * The rules of GSM8K claims.
   *
   * @return {@code List.of(Rules.answerKey("answer"))}
   */
  public static List<ConsistencyRule> rules() {
    return List.of(Rules.answerKey(ANSWER_ATTRIBUTE));
  }

  /**
   * The final answer of a solution, {@link #normalizeAnswer normalised}: the text after the last
   * {@code A:} that starts a line (GSM8K solutions end with a line {@code A: <answer>}; an {@code
   * A:} inside a line, as in "Publisher A: 5000 cents", does not count).
   *
   * @param solution a solution's text
   * @return the normalised final answer, or empty when there is no such line or nothing after it
   *     (a solution cut off before its answer)
   */
  public static Optional<String> finalAnswer(String solution) {
    requireNonNull(solution, "solution");
    Matcher m = FINAL_ANSWER_LINE.matcher(solution);
    int start = -1;
    while (m.find()) {
      start = m.end();
    }
    if (start < 0) {
      return Optional.empty();
    }
    String answer = normalizeAnswer(solution.substring(start));
    return answer.isEmpty() ? Optional.empty() : Optional.of(answer);
  }

  /**
   * Normalises a final answer so that equal numbers compare equal: surrounding whitespace is
   * removed and inner runs of whitespace become one space; commas between digits are removed
   * ({@code "25,400"} to {@code "25400"}); a plain decimal number loses a leading {@code +},
   * trailing zeros after the decimal point and a bare point ({@code "18.0"} and {@code "18."} to
   * {@code "18"}, {@code "14.80"} to {@code "14.8"}, {@code "-0.0"} to {@code "0"}). Anything
   * else ({@code "1/5"}, {@code "-1.8 billion"}) is kept as it is after the whitespace and comma
   * steps.
   *
   * @param answer the text after {@code A:}
   * @return the normalised answer
   */
  public static String normalizeAnswer(String answer) {
    requireNonNull(answer, "answer");
    String s = WHITESPACE.matcher(answer.strip()).replaceAll(" ");
    s = DIGIT_COMMA.matcher(s).replaceAll("");
    if (PLAIN_NUMBER.matcher(s).matches()) {
      BigDecimal number = new BigDecimal(s);
      return number.signum() == 0 ? "0" : number.stripTrailingZeros().toPlainString();
    }
    return s;
  }

  @Override
  public String toString() {
    return "Gsm8kLoader{questions=" + questions.size() + "}";
  }
}

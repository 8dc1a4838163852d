package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Rules;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.djl.train.Corpus;
import org.icm4j.eval.GoldLabels;

/**
 * A synthetic world whose text teaches a small causal LM (a) facts about entities, (b) to infer
 * from the labels in its context which rule labels a document's claims, and (c) nothing about a
 * control concept. World 5 of {@code toy-world-findings.md} and {@code icm-examples/TRAINING.md}:
 *
 * <ul>
 *   <li><b>Facts</b>: each of {@value #ENTITIES} entities has a colour and a home (6 values each)
 *       and a hidden size rank; knowledge documents state true facts, {@code "e12 colour red ."} and
 *       {@code "e3 bigger e7 ."}: the relation is named, so every fact line pays for learning it.
 *   <li><b>Labelled documents</b> are built exactly like ICM contexts: questions with 2 candidate
 *       claims ({@code "e12 colour red :"} + label), one of them true, lines shuffled. One rule
 *       labels a whole document: <i>truth</i> ({@value #TRUTH_SHARE}-0.4 of the documents) or the
 *       <i>value-set rule</i> "the value is one of three fixed values of its relation", whose labels
 *       are flipped with probability {@value #SURFACE_NOISE}. Both rules label half of the claims
 *       True, so the True share does not reveal the rule; the value-set rule is the more common
 *       one, so a model without context leans to it (zero-shot is not truth), it breaks "exactly
 *       one True per question" in half of the questions, and it is noisier than truth, so truth is
 *       the most mutually predictable labeling. Comparison documents hold both orders of pairs
 *       ({@code "e3 bigger e7 :"}) labelled by truth or by a noisy entity-set rule ("the first
 *       entity is one of a fixed half"). Some labelled documents open with a line naming
 *       their rule ({@code "@truth"}, {@code "@sets"}), which teaches the features both rules need;
 *       the rest, like ICM contexts, do not. {@link Mixture} sets the shares of the two training
 *       phases (fewer headers and more labelled documents in phase 2).
 *   <li><b>Control</b>: {@link #controlTask} labels relation claims by whether the entity is in a
 *       random half of the entities that no training document uses. Both candidates of a question
 *       get the same control label, so any labeling with one True per question agrees with it on
 *       exactly half of the claims: the concept is independent of everything the model knows. (A
 *       first control, a value set sharing one value with the surface rule's set, agreed with the
 *       surface rule on a third of the values by construction; docs/results.md reports both.)
 * </ul>
 *
 * <p>Immutable and thread-safe; everything is a function of the world seed and the seeds passed.
 */
public final class SyntheticWorld {
  /** Number of entities. */
  public static final int ENTITIES = 48;

  static final List<String> COLOURS = List.of("red", "blue", "green", "yellow", "white", "black");
  static final List<String> HOMES = List.of("sea", "hill", "wood", "town", "cave", "farm");
  static final List<String> RELATIONS = List.of("colour", "home");
  static final String NEWLINE = "\n";

  /** Candidate claims per question: the true value and one other. */
  public static final int CANDIDATES = 2;

  /** Share of labelled documents labelled by truth in the first training phase. */
  public static final double TRUTH_SHARE = 0.35;

  /** Probability that the surface rule's label of a claim is flipped. */
  public static final double SURFACE_NOISE = 0.1;

  /**
   * The shares of document kinds in the corpus.
   *
   * @param knowledge share of knowledge documents; the rest are labelled documents
   * @param comparison share of labelled documents about comparisons; the rest are about relations
   * @param truth share of labelled documents labelled by truth; the rest follow the surface rules
   * @param header share of labelled documents that open with a line naming their rule
   * @param rateCue share of surface-rule relation documents whose value set has 2 or 4 values
   *     instead of 3 (half each), so that their share of True labels (1/3 or 2/3) tells them from
   *     truth documents (1/2): a cue readable from the labels alone, which makes attending to the
   *     labels in the context pay before the rule itself can be read from them
   * @param graded share of labelled relation documents whose lines carry a grade after the label,
   *     {@code "e12 colour red : False True"}: True when the label agrees with the truth of the
   *     claim. Predicting the grade makes the model compute, at each label, whether it agrees with
   *     truth, the feature that inferring the rule from a context of labels needs; the documents
   *     ICM builds never have grades
   * @param informative share of labelled relation documents made only of claims on which truth and
   *     the surface rule disagree, so that every label shows the document's rule
   * @param gradedComparisons share of labelled comparison documents whose lines carry a grade
   *     after the label, as {@code graded} does for relation documents ({@code "e3 bigger e7 : True
   *     False"}: the label disagrees with the hidden sizes)
   */
  public record Mixture(
      double knowledge,
      double comparison,
      double truth,
      double header,
      double rateCue,
      double graded,
      double informative,
      double gradedComparisons) {
    /** Phase 1: facts and rule features (many knowledge documents, half the documents headed). */
    public static final Mixture PHASE_1 = new Mixture(0.35, 0.25, TRUTH_SHARE, 0.5, 0, 0, 0, 0);

    /**
     * Phase 2: inferring the rule from labels (more labelled relation documents, three in four
     * without a header; truth stays below half, so a context-free answer still leans to the
     * surface rule).
     */
    public static final Mixture PHASE_2 = new Mixture(0.15, 0.15, 0.4, 0.25, 0, 0, 0, 0);

    /**
     * Phase 3: almost only unheaded labelled relation documents, where the rule must be inferred
     * from the labels (a few knowledge and headed documents keep the facts and the features).
     */
    public static final Mixture PHASE_3 = new Mixture(0.1, 0.1, 0.4, 0.1, 0, 0, 0, 0);

    /**
     * Checks the shares; see the record description.
     *
     * @param knowledge share of knowledge documents; the rest are labelled documents
     * @param comparison share of labelled documents about comparisons; the rest are about relations
     * @param truth share of labelled documents labelled by truth; the rest follow the surface rules
     * @param header share of labelled documents that open with a line naming their rule
     * @param rateCue share of surface-rule relation documents whose value set has 2 or 4 values
     *     instead of 3 (half each), so that their share of True labels (1/3 or 2/3) tells them from
     *     truth documents (1/2): a cue readable from the labels alone, which makes attending to the
     *     labels in the context pay before the rule itself can be read from them
     * @param graded share of labelled relation documents whose lines carry a grade after the label,
     *     {@code "e12 colour red : False True"}: True when the label agrees with the truth of the
     *     claim. Predicting the grade makes the model compute, at each label, whether it agrees with
     *     truth, the feature that inferring the rule from a context of labels needs; the documents ICM
     *     builds never have grades
     * @param informative share of labelled relation documents made only of claims on which truth
     *     and the surface rule disagree, so that every label shows the document's rule
     * @param gradedComparisons share of labelled comparison documents whose lines carry a grade
     *     after the label, as {@code graded} does for relation documents ({@code "e3 bigger e7 : True
     *     False"}: the label disagrees with the hidden sizes)
     */
    public Mixture {
      for (double share :
          new double[] {knowledge, comparison, truth, header, rateCue, graded, informative, gradedComparisons}) {
        checkArgument(share >= 0 && share <= 1, "shares must be in [0, 1], but one was %s", share);
      }
    }

    /**
     * This mixture with another {@link #header} share.
     *
     * @param share the share, 0 to 1
     * @return this mixture with another {@link #header} share
     */
    public Mixture withHeaderShare(double share) {
      return new Mixture(knowledge, comparison, truth, share, rateCue, graded, informative, gradedComparisons);
    }

    /**
     * This mixture with another {@link #rateCue}.
     *
     * @param share the share, 0 to 1
     * @return this mixture with another {@link #rateCue}
     */
    public Mixture withRateCue(double share) {
      return new Mixture(knowledge, comparison, truth, header, share, graded, informative, gradedComparisons);
    }

    /**
     * This mixture with another {@link #graded} share.
     *
     * @param share the share, 0 to 1
     * @return this mixture with another {@link #graded} share
     */
    public Mixture withGraded(double share) {
      return new Mixture(knowledge, comparison, truth, header, rateCue, share, informative, gradedComparisons);
    }

    /**
     * This mixture with another {@link #informative} share.
     *
     * @param share the share, 0 to 1
     * @return this mixture with another {@link #informative} share
     */
    public Mixture withInformative(double share) {
      return new Mixture(knowledge, comparison, truth, header, rateCue, graded, share, gradedComparisons);
    }

    /**
     * This mixture with another {@link #comparison} share.
     *
     * @param share the share, 0 to 1
     * @return this mixture with another {@link #comparison} share
     */
    public Mixture withComparison(double share) {
      return new Mixture(knowledge, share, truth, header, rateCue, graded, informative, gradedComparisons);
    }

    /**
     * This mixture with another {@link #gradedComparisons} share.
     *
     * @param share the share, 0 to 1
     * @return this mixture with another {@link #gradedComparisons} share
     */
    public Mixture withGradedComparisons(double share) {
      return new Mixture(knowledge, comparison, truth, header, rateCue, graded, informative, share);
    }

    /**
     * The mixture named {@code phase1}, {@code phase2} or {@code phase3}.
     *
     * @param name phase1, phase2 or phase3
     * @return the mixture named {@code phase1}, {@code phase2} or {@code phase3}
     */
    public static Mixture named(String name) {
      return switch (name) {
        case "phase1" -> PHASE_1;
        case "phase2" -> PHASE_2;
        case "phase3" -> PHASE_3;
        default -> throw new IllegalArgumentException(
            "the corpus mixture must be phase1, phase2 or phase3, but was '" + name + "'");
      };
    }
  }

  static final String TRUTH_HEADER = "@truth";
  static final String SURFACE_HEADER = "@sets";

  private final long seed;
  private final Map<String, String[]> values; // relation -> value per entity
  private final int[] size; // hidden size rank per entity
  private final List<Set<String>> valueSets; // per relation: the surface rule's 3 values
  private final List<Set<String>> smallSets; // per relation: 2 of the surface rule's values
  private final List<Set<String>> largeSets; // per relation: the surface values and one more
  private final List<Set<String>> controlSets; // per relation: the first control's 3 values
  private final Set<Integer> controlEntities; // the control concept: half of the entities
  private final Set<Integer> entitySet; // comparison surface rule: half of the entities
  private final List<String> vocabulary;

  private SyntheticWorld(long seed) {
    this.seed = seed;
    SplittableRandom rng = new SplittableRandom(seed);
    values = new LinkedHashMap<>();
    for (String r : RELATIONS) {
      List<String> vs = values(r);
      String[] v = new String[ENTITIES];
      for (int e = 0; e < ENTITIES; e++) {
        v[e] = vs.get(rng.nextInt(vs.size()));
      }
      values.put(r, v);
    }
    List<Integer> order = new ArrayList<>();
    for (int e = 0; e < ENTITIES; e++) {
      order.add(e);
    }
    shuffle(order, rng);
    size = new int[ENTITIES];
    for (int i = 0; i < ENTITIES; i++) {
      size[order.get(i)] = i;
    }
    valueSets = new ArrayList<>();
    smallSets = new ArrayList<>();
    largeSets = new ArrayList<>();
    controlSets = new ArrayList<>();
    for (String r : RELATIONS) {
      List<String> vs = new ArrayList<>(values(r));
      shuffle(vs, rng);
      // the surface set is 3 values; the control shares one of them and takes two others, so it
      // is neither the surface rule nor its negation
      valueSets.add(Set.of(vs.get(0), vs.get(1), vs.get(2)));
      smallSets.add(Set.of(vs.get(0), vs.get(1)));
      largeSets.add(Set.of(vs.get(0), vs.get(1), vs.get(2), vs.get(5)));
      controlSets.add(Set.of(vs.get(0), vs.get(3), vs.get(4)));
    }
    List<Integer> es = new ArrayList<>(order);
    shuffle(es, rng);
    entitySet = Set.copyOf(es.subList(0, ENTITIES / 2));
    List<Integer> cs = new ArrayList<>(order);
    shuffle(cs, rng);
    controlEntities = Set.copyOf(cs.subList(0, ENTITIES / 2));
    List<String> vocab =
        new ArrayList<>(
            List.of("<pad>", NEWLINE, ".", ":", "True", "False", "bigger", TRUTH_HEADER, SURFACE_HEADER));
    vocab.addAll(RELATIONS);
    vocab.addAll(COLOURS);
    vocab.addAll(HOMES);
    for (int e = 0; e < ENTITIES; e++) {
      vocab.add(entity(e));
    }
    vocabulary = List.copyOf(vocab);
  }

  /**
   * The world of the examples module, facts drawn from {@code seed}.
   *
   * @param seed the seed of the world (its facts and sizes)
   * @return the world of the examples module, facts drawn from {@code seed}
   */
  public static SyntheticWorld defaultWorld(long seed) {
    return new SyntheticWorld(seed);
  }

  /**
   * The world seed.
   *
   * @return the world seed
   */
  public long seed() {
    return seed;
  }

  static List<String> values(String relation) {
    return relation.equals("colour") ? COLOURS : HOMES;
  }

  static String entity(int e) {
    return "e" + e;
  }

  private static <T> void shuffle(List<T> list, SplittableRandom rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, rng.nextInt(i + 1));
    }
  }

  /**
   * The words of the world, in id order (id 0 is padding).
   *
   * @return the words of the world, in id order (id 0 is padding)
   */
  public List<String> vocabulary() {
    return vocabulary;
  }

  /**
   * The true value of a relation for an entity.
   *
   * @param relation one of the world's relations
   * @param entity the entity, 0 to {@code ENTITIES - 1}
   * @return the true value of a relation for an entity
   */
  public String value(String relation, int entity) {
    String[] perEntity = values.get(relation);
    checkArgument(perEntity != null, "unknown relation '%s': the world's relations are %s", relation, RELATIONS);
    return perEntity[entity];
  }

  /**
   * Whether entity {@code a} is bigger than entity {@code b}.
   *
   * @param a an entity
   * @param b another entity
   * @return whether entity {@code a} is bigger than entity {@code b}
   */
  public boolean bigger(int a, int b) {
    return size[a] > size[b];
  }

  /**
   * A word-level tokenizer over {@link #vocabulary()}: words split at spaces, newline its own token.
   *
   * @return a word-level tokenizer over {@link #vocabulary()}
   */
  public TextTokenizer tokenizer() {
    Map<String, Long> ids = new HashMap<>();
    for (int i = 0; i < vocabulary.size(); i++) {
      ids.put(vocabulary.get(i), (long) i);
    }
    return new TextTokenizer() {
      @Override
      public long[] encode(String text) {
        List<Long> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
          char c = i < text.length() ? text.charAt(i) : ' ';
          if (c == ' ' || c == '\n') {
            if (word.length() > 0) {
              Long id = ids.get(word.toString());
              if (id == null) {
                throw new IllegalArgumentException(
                    "word '" + word + "' is not in the world's vocabulary of " + ids.size()
                        + " words");
              }
              out.add(id);
              word.setLength(0);
            }
            if (c == '\n') {
              out.add(ids.get(NEWLINE));
            }
          } else {
            word.append(c);
          }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
      }

      @Override
      public boolean isUnknown(long id) {
        return false;
      }

      @Override
      public String toString() {
        return "SyntheticWorld.tokenizer(" + ids.size() + " words)";
      }
    };
  }

  // ------------------------------------------------------------------ documents

  /** A rule that labels relation claims. */
  interface RelationRule {
    boolean label(int entity, String relation, String value);
  }

  RelationRule truth() {
    return (e, r, v) -> value(r, e).equals(v);
  }

  /** The surface rule: the value is one of three fixed values of its relation (noise-free). */
  RelationRule valueSetRule() {
    return (e, r, v) -> valueSets.get(RELATIONS.indexOf(r)).contains(v);
  }

  /** A surface rule with 2 ({@code small}) or 4 values, for the rate cue of {@link Mixture#rateCue}. */
  RelationRule valueSetRule(boolean small) {
    List<Set<String>> sets = small ? smallSets : largeSets;
    return (e, r, v) -> sets.get(RELATIONS.indexOf(r)).contains(v);
  }

  /**
   * The comparison documents' surface rule: the first entity of {@code "a bigger b"} is in a fixed
   * half of the entities (noise-free).
   */
  boolean inComparisonSurfaceSet(int entity) {
    return entitySet.contains(entity);
  }

  /** The control concept: the entity is in a half of the entities no document singles out. */
  RelationRule controlRule() {
    return (e, r, v) -> controlEntities.contains(e);
  }

  /**
   * The first control concept (a value set sharing one value with the surface rule's set), kept to
   * show why it was replaced: it agrees with the surface rule on a third of the values.
   */
  RelationRule valueSetControlRule() {
    return (e, r, v) -> controlSets.get(RELATIONS.indexOf(r)).contains(v);
  }

  /** The candidates of a question: the true value and one other, shuffled. */
  List<String> candidates(int entity, String relation, SplittableRandom rng) {
    List<String> others = new ArrayList<>(values(relation));
    others.remove(value(relation, entity));
    List<String> c = new ArrayList<>(List.of(value(relation, entity), others.get(rng.nextInt(others.size()))));
    shuffle(c, rng);
    return c;
  }

  static String relationClaim(int entity, String relation, String value) {
    return entity(entity) + " " + relation + " " + value + " :";
  }

  static String comparisonClaim(int a, int b) {
    return entity(a) + " bigger " + entity(b) + " :";
  }

  /** A knowledge document: {@code lines} true facts, one per line. */
  String knowledgeDocument(SplittableRandom rng, int lines) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      int e = rng.nextInt(ENTITIES);
      if (rng.nextInt(3) < 2) {
        String r = RELATIONS.get(rng.nextInt(RELATIONS.size()));
        sb.append(entity(e)).append(' ').append(r).append(' ').append(value(r, e)).append(" .\n");
      } else {
        int b = rng.nextInt(ENTITIES - 1);
        b = b >= e ? b + 1 : b;
        int big = bigger(e, b) ? e : b;
        int small = big == e ? b : e;
        sb.append(entity(big)).append(" bigger ").append(entity(small)).append(" .\n");
      }
    }
    return sb.toString();
  }

  /**
   * A labelled document like an ICM context: {@code groups} questions of one relation rule (truth
   * with probability {@code m.truth()}, else the noisy value-set rule), lines shuffled, with a
   * header line naming the rule with probability {@code m.header()}.
   */
  String relationDocument(SplittableRandom rng, int groups, Mixture m) {
    boolean truth = rng.nextDouble() < m.truth();
    RelationRule rule =
        truth
            ? truth()
            : m.rateCue() > 0 && rng.nextDouble() < m.rateCue()
                ? valueSetRule(rng.nextBoolean())
                : valueSetRule();
    boolean graded = m.graded() > 0 && rng.nextDouble() < m.graded();
    boolean informative = m.informative() > 0 && rng.nextDouble() < m.informative();
    List<String> lines = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      int e = rng.nextInt(ENTITIES);
      String r = RELATIONS.get(rng.nextInt(RELATIONS.size()));
      for (String v : candidates(e, r, rng)) {
        if (informative && truth().label(e, r, v) == valueSetRule().label(e, r, v)) {
          continue;
        }
        boolean label = rule.label(e, r, v) ^ (!truth && rng.nextDouble() < SURFACE_NOISE);
        String line = relationClaim(e, r, v) + " " + (label ? "True" : "False");
        if (graded) {
          line += label == truth().label(e, r, v) ? " True" : " False";
        }
        lines.add(line);
      }
    }
    return document(rng, lines, truth, m);
  }

  /**
   * A labelled comparison document: {@code pairs} pairs in both orders, labelled by truth (with
   * probability {@code m.truth()}) or by the noisy "the first entity is in the entity set" rule,
   * lines shuffled, with a header line naming the rule with probability {@code m.header()}, and
   * graded with probability {@code m.gradedComparisons()}.
   */
  String comparisonDocument(SplittableRandom rng, int pairs, Mixture m) {
    boolean truth = rng.nextDouble() < m.truth();
    // drawn only when used, so that mixtures without graded comparisons keep their documents
    boolean graded = m.gradedComparisons() > 0 && rng.nextDouble() < m.gradedComparisons();
    List<String> lines = new ArrayList<>();
    for (int p = 0; p < pairs; p++) {
      int a = rng.nextInt(ENTITIES);
      int b = rng.nextInt(ENTITIES - 1);
      b = b >= a ? b + 1 : b;
      for (int[] o : new int[][] {{a, b}, {b, a}}) {
        boolean label =
            truth
                ? bigger(o[0], o[1])
                : entitySet.contains(o[0]) ^ rng.nextDouble() < SURFACE_NOISE;
        String line = comparisonClaim(o[0], o[1]) + " " + (label ? "True" : "False");
        if (graded) {
          line += label == bigger(o[0], o[1]) ? " True" : " False";
        }
        lines.add(line);
      }
    }
    return document(rng, lines, truth, m);
  }

  private static String document(SplittableRandom rng, List<String> lines, boolean truth, Mixture m) {
    shuffle(lines, rng);
    String text = String.join("\n", lines) + "\n";
    if (rng.nextDouble() < m.header()) {
      text = (truth ? TRUTH_HEADER : SURFACE_HEADER) + "\n" + text;
    }
    return text;
  }

  /** One random training document. */
  String document(SplittableRandom rng, Mixture m) {
    if (rng.nextDouble() < m.knowledge()) {
      return knowledgeDocument(rng, 8 + rng.nextInt(40));
    }
    if (rng.nextDouble() < m.comparison()) {
      return comparisonDocument(rng, 2 + rng.nextInt(19), m);
    }
    return relationDocument(rng, 2 + rng.nextInt(19), m);
  }

  /**
   * The training corpus: documents drawn at random and concatenated (separated by a blank line),
   * cut into windows.
   *
   * @return the training corpus
   */
  public Corpus corpus() {
    return corpus(Mixture.PHASE_1);
  }

  /**
   * The training corpus with the given mixture of documents.
   *
   * @param mixture the document shares
   * @return the training corpus with the given mixture of documents
   */
  public Corpus corpus(Mixture mixture) {
    TextTokenizer tok = tokenizer();
    long newline = vocabulary.indexOf(NEWLINE);
    int vocab = vocabulary.size();
    return new Corpus() {
      @Override
      public int vocabularySize() {
        return vocab;
      }

      @Override
      public long[] window(SplittableRandom rng, int length) {
        long[] out = new long[length];
        int at = 0;
        while (at < length) {
          long[] doc = tok.encode(document(rng, mixture));
          for (int i = 0; i < doc.length && at < length; i++) {
            out[at++] = doc[i];
          }
          if (at < length) {
            out[at++] = newline;
          }
        }
        return out;
      }
    };
  }

  // ------------------------------------------------------------------ tasks

  /**
   * Task 1: {@code questions} questions ({@code (entity, relation)} pairs drawn without repetition
   * with {@code seed}), each with {@value #CANDIDATES} candidate claims, exactly one true. Rule: exactly one True per
   * question.
   *
   * @param questions how many questions (2 claims each)
   * @param seed the seed of the draw
   * @return task 1
   */
  public ClaimSet truthTask(int questions, long seed) {
    return relationTask(questions, seed, truth(), "truth");
  }

  /**
   * Task 3, the control: the same claims labelled by a concept no training document uses (the
   * entity is in a fixed random half of the entities).
   *
   * @param questions how many questions (2 claims each)
   * @param seed the seed of the draw
   * @return task 3, the control
   */
  public ClaimSet controlTask(int questions, long seed) {
    return relationTask(questions, seed, controlRule(), "control");
  }

  private ClaimSet relationTask(int questions, long seed, RelationRule rule, String name) {
    int all = ENTITIES * RELATIONS.size();
    checkArgument(
        questions >= 1 && questions <= all,
        "questions must be in [1, %s], but was %s", all, questions);
    SplittableRandom rng = new SplittableRandom(seed);
    List<Integer> picks = new ArrayList<>();
    for (int i = 0; i < all; i++) {
      picks.add(i);
    }
    shuffle(picks, rng);
    List<Example> examples = new ArrayList<>();
    Map<String, String> gold = new HashMap<>();
    for (int q = 0; q < questions; q++) {
      int e = picks.get(q) / RELATIONS.size();
      String r = RELATIONS.get(picks.get(q) % RELATIONS.size());
      String group = name + "-" + entity(e) + "-" + r;
      List<String> cs = candidates(e, r, rng);
      for (int c = 0; c < cs.size(); c++) {
        String id = group + "-" + c;
        examples.add(new Example(id, relationClaim(e, r, cs.get(c)), group, Map.of()));
        gold.put(id, rule.label(e, r, cs.get(c)) ? "True" : "False");
      }
    }
    return new ClaimSet(
        examples, GoldLabels.of(LabelSpace.binary(), gold), List.of(Rules.exactlyOne()), 0);
  }

  /**
   * Task 2: {@code pairs} comparisons, each as two claims ("a bigger b", "b bigger a") in one group.
   * Rule: asymmetry (exactly one of the two is True).
   *
   * @param pairs how many entity pairs (2 claims each)
   * @param seed the seed of the draw
   * @return task 2
   */
  public ClaimSet comparisonTask(int pairs, long seed) {
    int all = ENTITIES * (ENTITIES - 1) / 2;
    checkArgument(pairs >= 1 && pairs <= all, "pairs must be in [1, %s], but was %s", all, pairs);
    SplittableRandom rng = new SplittableRandom(seed);
    Set<Long> used = new java.util.HashSet<>();
    List<Example> examples = new ArrayList<>();
    Map<String, String> gold = new HashMap<>();
    while (used.size() < pairs) {
      int a = rng.nextInt(ENTITIES);
      int b = rng.nextInt(ENTITIES - 1);
      b = b >= a ? b + 1 : b;
      if (!used.add((long) Math.min(a, b) * ENTITIES + Math.max(a, b))) {
        continue;
      }
      String group = "cmp-" + entity(Math.min(a, b)) + "-" + entity(Math.max(a, b));
      for (int[] o : new int[][] {{a, b}, {b, a}}) {
        String id = group + "-" + entity(o[0]);
        examples.add(new Example(id, comparisonClaim(o[0], o[1]), group, Map.of()));
        gold.put(id, bigger(o[0], o[1]) ? "True" : "False");
      }
    }
    return new ClaimSet(
        examples, GoldLabels.of(LabelSpace.binary(), gold), List.of(Rules.asymmetry()), 0);
  }
}

package org.icm4j.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GptBlockTest {

  private static final GptConfig CONFIG = new GptConfig(32, 40, 2, 2, 32, 64, 7L);

  private static Model model;
  private static GptBlock block;

  @BeforeAll
  static void createModel() {
    model = newInitializedModel(CONFIG);
    block = (GptBlock) model.getBlock();
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  private static Model newInitializedModel(GptConfig config) {
    Model m = Model.newInstance("gpt-test", Device.cpu(), "PyTorch");
    GptBlock b = new GptBlock(config);
    m.setBlock(b);
    b.initialize(m.getNDManager(), DataType.FLOAT32, new Shape(1, config.maxLength()));
    return m;
  }

  private static ParameterStore store() {
    return new ParameterStore(model.getNDManager(), false);
  }

  private static long[] randomTokens(Random random, int length) {
    long[] tokens = new long[length];
    for (int i = 0; i < length; i++) {
      tokens[i] = random.nextInt(CONFIG.vocabularySize());
    }
    return tokens;
  }

  private static float maxAbsDiff(NDArray a, NDArray b) {
    return a.sub(b).abs().max().getFloat();
  }

  @Test
  void config_rejectsEmbeddingNotDivisibleByHeads() {
    assertThatThrownBy(() -> new GptConfig(32, 16, 1, 3, 32, 64, 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("divisible")
        .hasMessageContaining("32")
        .hasMessageContaining("3");
  }

  @Test
  void config_rejectsNonPositiveSizes() {
    assertThatThrownBy(() -> new GptConfig(0, 16, 1, 1, 8, 8, 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vocabularySize must be >= 1, but was 0");
    assertThatThrownBy(() -> new GptConfig(8, -2, 1, 1, 8, 8, 1L))
        .hasMessage("maxLength must be >= 1, but was -2");
    assertThatThrownBy(() -> new GptConfig(8, 8, 0, 1, 8, 8, 1L))
        .hasMessage("layers must be >= 1, but was 0");
    assertThatThrownBy(() -> new GptConfig(8, 8, 1, 1, 8, 0, 1L))
        .hasMessage("mlpHidden must be >= 1, but was 0");
  }

  @Test
  void config_parameterCountMatchesTheBlock() {
    long total = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      total += p.getValue().getArray().size();
    }
    assertThat(CONFIG.parameterCount()).isEqualTo(total);
    assertThat(CONFIG.headSize()).isEqualTo(16);
    assertThat(CONFIG.withSeed(9L).seed()).isEqualTo(9L);
  }

  @Test
  void forward_returnsLogitsOfShapeBatchLengthVocabulary() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray tokens = m.create(new long[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
      NDList out = block.forward(store(), new NDList(tokens), false);
      assertThat(out).hasSize(1);
      assertThat(out.head().getShape()).isEqualTo(new Shape(2, 3, 32));
      assertThat(block.getOutputShapes(new Shape[] {new Shape(2, 3)}))
          .containsExactly(new Shape(2, 3, 32));
    }
  }

  @Test
  void forwardWithCache_inRandomChunksEqualsTheFullForward() {
    Random random = new Random(11);
    int length = 24;
    try (NDManager m = NDManager.newBaseManager()) {
      long[] sequence = randomTokens(random, length);
      NDArray full =
          block.forward(store(), new NDList(m.create(sequence, new Shape(1, length))), false).head();
      for (int trial = 0; trial < 20; trial++) {
        try (NDManager t = m.newSubManager()) {
          List<Integer> cuts = new ArrayList<>();
          int position = 0;
          while (position < length) {
            int chunk = 1 + random.nextInt(Math.min(8, length - position));
            cuts.add(chunk);
            position += chunk;
          }
          NDList past = null;
          NDList logits = new NDList();
          int start = 0;
          for (int chunk : cuts) {
            long[] part = java.util.Arrays.copyOfRange(sequence, start, start + chunk);
            NDList out =
                block.forwardWithCache(store(), t.create(part, new Shape(1, chunk)), start, past);
            assertThat(out).hasSize(1 + 2 * CONFIG.layers());
            logits.add(out.head());
            past = out.subNDList(1);
            start += chunk;
            assertThat(past.get(0).getShape()).isEqualTo(new Shape(1, 2, start, 16));
          }
          NDArray incremental = NDArrays.concat(logits, 1);
          assertThat(maxAbsDiff(incremental, full)).as("split %s", cuts).isLessThan(1e-5f);
        }
      }
    }
  }

  @Test
  void forwardWithCache_worksForABatch() {
    Random random = new Random(3);
    try (NDManager m = NDManager.newBaseManager()) {
      long[] sequence = randomTokens(random, 2 * 10);
      NDArray tokens = m.create(sequence, new Shape(2, 10));
      NDArray full = block.forward(store(), new NDList(tokens), false).head();
      NDList first = block.forwardWithCache(store(), tokens.get(":, :6"), 0, null);
      NDList second = block.forwardWithCache(store(), tokens.get(":, 6:"), 6, first.subNDList(1));
      NDArray incremental = NDArrays.concat(new NDList(first.head(), second.head()), 1);
      assertThat(maxAbsDiff(incremental, full)).isLessThan(1e-5f);
    }
  }

  @Test
  void forward_isCausal() {
    Random random = new Random(5);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int changed : new int[] {0, 7, 19}) {
        long[] a = randomTokens(random, 20);
        long[] b = a.clone();
        b[changed] = (a[changed] + 1) % CONFIG.vocabularySize();
        NDArray la =
            block.forward(store(), new NDList(m.create(a, new Shape(1, 20))), false).head();
        NDArray lb =
            block.forward(store(), new NDList(m.create(b, new Shape(1, 20))), false).head();
        if (changed > 0) {
          String before = ":, :" + changed;
          assertThat(maxAbsDiff(la.get(before), lb.get(before))).isLessThan(1e-6f);
        }
        assertThat(maxAbsDiff(la.get(":, " + changed), lb.get(":, " + changed)))
            .isGreaterThan(1e-4f);
      }
    }
  }

  @Test
  void forwardWithCache_rejectsSequencesLongerThanMaxLength() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray tooLong = m.zeros(new Shape(1, 41), DataType.INT64);
      assertThatThrownBy(() -> block.forwardWithCache(store(), tooLong, 0, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("41")
          .hasMessageContaining("40");
      NDList past = block.forwardWithCache(store(), m.zeros(new Shape(1, 30), DataType.INT64), 0, null)
          .subNDList(1);
      NDArray eleven = m.zeros(new Shape(1, 11), DataType.INT64);
      assertThatThrownBy(() -> block.forwardWithCache(store(), eleven, 30, past))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("41 tokens (30 cached + 11 new)")
          .hasMessageContaining("maxLength of 40");
    }
  }

  @Test
  void forwardWithCache_rejectsACacheThatDoesNotMatch() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray three = m.zeros(new Shape(1, 3), DataType.INT64);
      NDList past = block.forwardWithCache(store(), three, 0, null).subNDList(1);
      NDArray one = m.zeros(new Shape(1, 1), DataType.INT64);
      assertThatThrownBy(() -> block.forwardWithCache(store(), one, 4, past))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("startPosition 4");
      assertThatThrownBy(() -> block.forwardWithCache(store(), one, 3, past.subNDList(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("holds 3 arrays");
      assertThatThrownBy(() -> block.forwardWithCache(store(), one, 3, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no cache");
    }
  }

  @Test
  void forward_addsNothingToTheParametersManager() {
    int before = model.getNDManager().getManagedArrays().size();
    try (NDManager m = NDManager.newBaseManager()) {
      NDList past = null;
      for (int i = 0; i < 10; i++) {
        NDList out =
            block.forwardWithCache(store(), m.create(new long[] {i, i + 1}, new Shape(1, 2)), 2 * i, past);
        past = out.subNDList(1);
        block.forward(store(), new NDList(m.create(new long[] {1, 2, 3}, new Shape(1, 3))), false);
      }
    }
    assertThat(model.getNDManager().getManagedArrays()).hasSize(before);
  }

  @Test
  void initialization_sameSeedGivesIdenticalWeightsWhateverTheEngineSeed() {
    Engine.getInstance().setRandomSeed(1);
    try (Model a = newInitializedModel(CONFIG)) {
      Engine.getInstance().setRandomSeed(2);
      try (Model b = newInitializedModel(CONFIG);
          Model c = newInitializedModel(CONFIG.withSeed(8L))) {
        List<Pair<String, Parameter>> pa = a.getBlock().getParameters().stream().collect(java.util.stream.Collectors.toList());
        List<Pair<String, Parameter>> pb = b.getBlock().getParameters().stream().collect(java.util.stream.Collectors.toList());
        List<Pair<String, Parameter>> pc = c.getBlock().getParameters().stream().collect(java.util.stream.Collectors.toList());
        int differing = 0;
        for (int i = 0; i < pa.size(); i++) {
          NDArray wa = pa.get(i).getValue().getArray();
          assertThat(wa.contentEquals(pb.get(i).getValue().getArray()))
              .as(pa.get(i).getKey())
              .isTrue();
          if (!wa.contentEquals(pc.get(i).getValue().getArray())) {
            differing++;
          }
        }
        // All weight matrices and embeddings differ; LayerNorm scales/shifts and biases do not.
        assertThat(differing).isEqualTo(2 + 4 * CONFIG.layers());
      }
    }
  }

  @Test
  void initialization_usesTheDocumentedScales() {
    // Read into Java: ops on a parameter array would create arrays in the model's manager.
    float[] embedding = parameter(block, "token_embedding").toFloatArray();
    double sumOfSquares = 0;
    for (float w : embedding) {
      sumOfSquares += w * w;
    }
    assertThat(Math.sqrt(sumOfSquares / embedding.length)).isBetween(0.018, 0.022);
    float[] residual = parameter(block, "layer1_mlp_out_weight").toFloatArray();
    sumOfSquares = 0;
    for (float w : residual) {
      sumOfSquares += w * w;
    }
    assertThat(Math.sqrt(sumOfSquares / residual.length)).isBetween(0.0085, 0.0115); // 0.02 / 2
    assertThat(parameter(block, "layer0_ln1_gamma").toFloatArray()).containsOnly(1f);
    assertThat(parameter(block, "layer1_mlp_out_bias").toFloatArray()).containsOnly(0f);
  }

  private static NDArray parameter(GptBlock b, String name) {
    return b.getParameters().get(name).getArray();
  }

  @Test
  void saveAndLoadParameters_roundTripIsExactAndChecksTheShape() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    block.saveParameters(new DataOutputStream(bytes));
    try (Model copy = Model.newInstance("copy", Device.cpu(), "PyTorch");
        NDManager m = NDManager.newBaseManager()) {
      GptBlock loaded = new GptBlock(CONFIG.withSeed(99L));
      copy.setBlock(loaded);
      loaded.loadParameters(
          copy.getNDManager(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      NDArray tokens = m.create(new long[] {3, 1, 4, 1, 5, 9, 2, 6}, new Shape(1, 8));
      NDArray expected = block.forward(store(), new NDList(tokens), false).head();
      NDArray actual =
          loaded
              .forward(new ParameterStore(copy.getNDManager(), false), new NDList(tokens), false)
              .head();
      assertThat(actual.contentEquals(expected)).isTrue();
    }
    try (Model other = Model.newInstance("other", Device.cpu(), "PyTorch")) {
      GptBlock wrongShape = new GptBlock(new GptConfig(32, 40, 2, 2, 32, 128, 7L));
      other.setBlock(wrongShape);
      assertThatThrownBy(
              () ->
                  wrongShape.loadParameters(
                      other.getNDManager(),
                      new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))))
          .isInstanceOf(MalformedModelException.class)
          .hasMessageContaining("[32, 40, 2, 2, 32, 64]")
          .hasMessageContaining("[32, 40, 2, 2, 32, 128]");
    }
  }

  @Test
  void training_withTrainerAndAdam_lowersTheLossOnARepeatedSequence() {
    GptConfig config = new GptConfig(32, 16, 2, 2, 32, 64, 3L);
    int batch = 2;
    int length = 15;
    long[] inputs = new long[batch * length];
    long[] labels = new long[batch * length];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < length; t++) {
        inputs[b * length + t] = (5L * (t + b)) % 8;
        labels[b * length + t] = (5L * (t + 1 + b)) % 8;
      }
    }
    try (Model m = Model.newInstance("train", Device.cpu(), "PyTorch")) {
      m.setBlock(new GptBlock(config));
      DefaultTrainingConfig training =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(1e-2f)).build())
              .optDevices(new Device[] {Device.cpu()});
      List<Float> losses = new ArrayList<>();
      try (Trainer trainer = m.newTrainer(training)) {
        trainer.initialize(new Shape(batch, length));
        for (int step = 0; step < 30; step++) {
          try (NDManager stepManager = trainer.getManager().newSubManager()) {
            NDArray x = stepManager.create(inputs, new Shape(batch, length));
            NDArray y = stepManager.create(labels, new Shape(batch, length));
            try (GradientCollector collector = trainer.newGradientCollector()) {
              NDArray logits = trainer.forward(new NDList(x)).head();
              assertThat(logits.getShape())
                  .isEqualTo(new Shape(batch, length, config.vocabularySize()));
              // DJL's softmax cross-entropy with sparse labels wants [N, V] and [N].
              NDArray loss =
                  trainer
                      .getLoss()
                      .evaluate(
                          new NDList(y.reshape(-1)),
                          new NDList(logits.reshape(-1, config.vocabularySize())));
              // A collection before backward frees any Java buffer the graph still needs
              // (the scalar pitfall of djl-facts.md): the gradients must stay finite.
              System.gc();
              collector.backward(loss);
              losses.add(loss.getFloat());
            }
            trainer.step();
          }
        }
      }
      assertThat(losses.get(0)).isBetween(3.0f, 4.0f); // about ln 32 at the start
      assertThat(losses.get(losses.size() - 1)).isLessThan(0.5f * losses.get(0));
      assertThat(losses).allSatisfy(l -> assertThat(l).isFinite());
    }
  }

  @Test
  void forward_acceptsInt32TokenIds() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray int64 = m.create(new long[] {1, 2, 3}, new Shape(1, 3));
      NDArray int32 = m.create(new int[] {1, 2, 3}, new Shape(1, 3));
      NDArray a = block.forward(store(), new NDList(int64), false).head();
      NDArray b = block.forward(store(), new NDList(int32), false).head();
      assertThat(a.contentEquals(b)).isTrue();
      assertThat(a.get(new NDIndex("0, 0")).getShape()).isEqualTo(new Shape(32));
    }
  }
}

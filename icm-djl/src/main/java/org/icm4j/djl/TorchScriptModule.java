package org.icm4j.djl;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Path;
import org.icm4j.IcmException;

/**
 * A loaded TorchScript file and its DJL predictor: runs arrays through it, turning DJL's and
 * PyTorch's failures into messages that name the file and the interface to check. Not
 * thread-safe (one DJL {@link Predictor}).
 */
final class TorchScriptModule implements AutoCloseable {
  private final Path modelFile;
  private final TorchScriptConfig config;
  private final boolean graphOptimizer;
  // Kept referenced for the lifetime of this object: a collected model releases its native handle.
  private final ZooModel<NDList, NDList> model;
  private final Predictor<NDList, NDList> predictor;

  TorchScriptModule(Path modelFile, TorchScriptConfig config, Device device, boolean graphOptimizer) {
    this.modelFile = modelFile;
    this.config = config;
    this.graphOptimizer = graphOptimizer;
    this.model = load(modelFile, device);
    this.predictor = model.newPredictor();
  }

  private static ZooModel<NDList, NDList> load(Path modelFile, Device device) {
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(modelFile.getParent())
            .optModelName(String.valueOf(modelFile.getFileName()))
            .optEngine("PyTorch")
            .optDevice(device)
            .optTranslator(new NoopTranslator())
            .optOption("mapLocation", "true")
            .build();
    try {
      return criteria.loadModel();
    } catch (IOException | MalformedModelException | ModelNotFoundException | RuntimeException e) {
      throw new IcmException(
          "cannot load TorchScript model "
              + modelFile
              + " ("
              + e.getMessage()
              + "): it must be a file written by torch.jit.save (re-export it with torch.jit.trace"
              + " and torch.jit.save), and DJL's PyTorch engine (ai.djl.pytorch:pytorch-engine with"
              + " its native library) must be on the class path",
          e);
    }
  }

  /**
   * Runs the module's forward on the inputs, with PyTorch's graph executor optimizer as chosen.
   * The optimizer switch is PyTorch's, per thread: it is set for this call and set back to
   * PyTorch's default (on) afterwards, so other models on the thread see DJL's usual behaviour.
   * DJL itself sets the switch inside each forward when {@code -Dai.djl.pytorch.graph_optimizer}
   * is given, so that property wins.
   */
  NDList run(NDList inputs) {
    try {
      JniUtils.setGraphExecutorOptimize(graphOptimizer);
      try {
        return predictor.predict(inputs);
      } finally {
        if (!graphOptimizer) {
          JniUtils.setGraphExecutorOptimize(true);
        }
      }
    } catch (TranslateException | RuntimeException e) {
      throw new IcmException(
          "running TorchScript model "
              + modelFile
              + " failed ("
              + lastLine(e)
              + "): check that its forward signature matches the \""
              + config.modelInterface.configName()
              + "\" interface declared in "
              + config.file
              + (config.modelInterface == TorchScriptLm.Interface.GPT2_PAST_KEY_VALUES
                  ? ", that \"inputs\" there lists its arguments in its order ("
                      + config.inputs
                      + ") and that n_layer, n_head, n_embd (n_kv_head, head_dim) there are the"
                      + " model's"
                  : "")
              + " (the cause holds the full TorchScript trace)",
          e);
    }
  }

  /** The last non-blank line of the innermost message: PyTorch puts the error itself there. */
  private static String lastLine(Throwable e) {
    Throwable inner = e;
    while (inner.getCause() != null && inner.getCause() != inner) {
      inner = inner.getCause();
    }
    String message = String.valueOf(inner.getMessage()).strip();
    String line = message.substring(message.lastIndexOf('\n') + 1).strip();
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  /**
   * The floating-point type of the module's weights: that of its first floating-point parameter
   * (FLOAT32 when it has none). An empty past is made in this type, so that a float16 trace reads
   * float16 keys and values.
   */
  DataType weightType() {
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      if (p.getValue().isInitialized() && p.getValue().getArray().getDataType().isFloating()) {
        return p.getValue().getArray().getDataType();
      }
    }
    return DataType.FLOAT32;
  }

  /** Releases the predictor and the model. */
  @Override
  public void close() {
    predictor.close();
    model.close();
  }
}

package org.icm4j.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.IcmException;

/**
 * Adam written in Java over copies of the parameter and gradient arrays (β1 = {@value #BETA1}, β2
 * = {@value #BETA2}, ε = {@value #EPSILON}, bias-corrected, no weight decay), whose moments can be
 * saved and read back: what resumable training needs. DJL's {@code Optimizer.adam()} keeps its
 * moments privately and cannot save them, so {@link LmTrainer} uses this one; {@link
 * BlockLmFineTuner}, whose runs are short and never resumed, uses DJL's. Arithmetic is in double
 * per element, stored as float. Not thread-safe.
 */
final class SavedAdam {
  /** Adam's decay rate of the first moment. */
  static final double BETA1 = 0.9;

  /** Adam's decay rate of the second moment. */
  static final double BETA2 = 0.999;

  /** Adam's term added to the root of the second moment. */
  static final double EPSILON = 1e-8;

  private static final String MAGIC = "icm4j-adam";
  private static final int VERSION = 1;

  private final List<Parameter> parameters;
  private final float[][] firstMoment;
  private final float[][] secondMoment;

  SavedAdam(List<Parameter> parameters) {
    this.parameters = List.copyOf(parameters);
    this.firstMoment = new float[parameters.size()][];
    this.secondMoment = new float[parameters.size()][];
    for (int i = 0; i < parameters.size(); i++) {
      int size = Math.toIntExact(parameters.get(i).getArray().size());
      firstMoment[i] = new float[size];
      secondMoment[i] = new float[size];
    }
  }

  /**
   * One update of every parameter.
   *
   * @param gradients one array per parameter, in order
   * @param rate the learning rate
   * @param step the 0-based step (its bias correction uses {@code step + 1})
   */
  void update(float[][] gradients, double rate, int step) {
    int t = step + 1;
    double correction1 = 1 - Math.pow(BETA1, t);
    double correction2 = 1 - Math.pow(BETA2, t);
    for (int i = 0; i < parameters.size(); i++) {
      NDArray array = parameters.get(i).getArray();
      float[] w = array.toFloatArray();
      float[] g = gradients[i];
      float[] m = firstMoment[i];
      float[] v = secondMoment[i];
      for (int j = 0; j < w.length; j++) {
        double gj = g[j];
        double mj = BETA1 * m[j] + (1 - BETA1) * gj;
        double vj = BETA2 * v[j] + (1 - BETA2) * gj * gj;
        m[j] = (float) mj;
        v[j] = (float) vj;
        double update = rate * (mj / correction1) / (Math.sqrt(vj / correction2) + EPSILON);
        w[j] = (float) (w[j] - update);
      }
      array.set(FloatBuffer.wrap(w));
    }
  }

  /** Writes the step and the moments, by parameter name, atomically. */
  void write(Path file, int step) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      out.writeUTF(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(step);
      out.writeInt(parameters.size());
      for (int i = 0; i < parameters.size(); i++) {
        out.writeUTF(parameters.get(i).getName());
        out.writeInt(firstMoment[i].length);
        for (float x : firstMoment[i]) {
          out.writeFloat(x);
        }
        for (float x : secondMoment[i]) {
          out.writeFloat(x);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    CheckpointFiles.move(tmp, file);
  }

  /**
   * Reads moments written by {@link #write}.
   *
   * @param file the file
   * @param step the step the checkpoint's state file names; the file must be of the same step
   * @param stateFile the name of that state file, for the message
   */
  void read(Path file, int step, String stateFile) {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      String magic = in.readUTF();
      int version = in.readInt();
      if (!MAGIC.equals(magic) || version != VERSION) {
        throw new IcmException(file + " holds " + magic + " version " + version + ", not " + MAGIC + " 1");
      }
      int savedStep = in.readInt();
      if (savedStep != step) {
        throw new IcmException(
            file + " is from step " + savedStep + " but " + stateFile + " says step " + step
                + " (was a save interrupted?)");
      }
      int count = in.readInt();
      if (count != parameters.size()) {
        throw new IcmException(file + " has " + count + " parameters, the model " + parameters.size());
      }
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        int length = in.readInt();
        if (!name.equals(parameters.get(i).getName()) || length != firstMoment[i].length) {
          throw new IcmException(
              file + " holds parameter " + name + " of " + length + " values where the model has "
                  + parameters.get(i).getName() + " of " + firstMoment[i].length);
        }
        for (int j = 0; j < length; j++) {
          firstMoment[i][j] = in.readFloat();
        }
        for (int j = 0; j < length; j++) {
          secondMoment[i][j] = in.readFloat();
        }
      }
    } catch (NoSuchFileException e) {
      throw new IcmException("no " + file.getFileName() + " in " + file.getParent(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}

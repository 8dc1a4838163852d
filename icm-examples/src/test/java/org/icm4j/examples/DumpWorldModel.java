package org.icm4j.examples;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icm4j.Example;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.CausalLm;

/**
 * Writes the embedded world model's parameters for {@code scripts/make-world-onnx.py}, which
 * rebuilds the model in PyTorch and exports it to ONNX: {@code weights.bin} (every parameter as
 * little-endian float32, one after another), {@code weights.json} (each parameter's name, shape and
 * offset; the model's configuration) and {@code reference.json} (token ids of a few world claims
 * and the logits of their last three positions from DJL's forward, which the script's PyTorch
 * rebuild must reproduce).
 *
 * <pre>{@code
 * mvn -o -q -pl icm-examples exec:java -Dexec.mainClass=org.icm4j.examples.DumpWorldModel \
 *     -Dexec.args=/tmp/world-dump
 * }</pre>
 */
public final class DumpWorldModel {
  private DumpWorldModel() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: DumpWorldModel OUT_DIR");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    Path dir = DemoCommand.extractEmbeddedModel();
    ObjectMapper json = new ObjectMapper();
    try (BlockLm lm = BlockLm.load(dir, Device.cpu());
        NDManager manager = NDManager.newBaseManager();
        OutputStream file = Files.newOutputStream(out.resolve("weights.bin"));
        DataOutputStream data = new DataOutputStream(file)) {
      ObjectNode index = json.createObjectNode();
      ObjectNode config = index.putObject("config");
      config.put("vocabularySize", lm.config().vocabularySize());
      config.put("maxLength", lm.config().maxLength());
      config.put("layers", lm.config().layers());
      config.put("heads", lm.config().heads());
      config.put("embedding", lm.config().embedding());
      config.put("mlpHidden", lm.config().mlpHidden());
      ArrayNode params = index.putArray("parameters");
      long offset = 0;
      for (Pair<String, Parameter> p : lm.block().getParameters()) {
        NDArray a = p.getValue().getArray();
        float[] values = a.toFloatArray();
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        data.write(bytes.array());
        ObjectNode e = params.addObject();
        e.put("name", p.getKey());
        ArrayNode shape = e.putArray("shape");
        for (long d : a.getShape().getShape()) {
          shape.add(d);
        }
        e.put("offset", offset);
        offset += 4L * values.length;
      }
      json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("weights.json").toFile(), index);

      ObjectNode ref = json.createObjectNode();
      ArrayNode rows = ref.putArray("rows");
      for (Example claim : world.truthTask(6, 3).examples().subList(0, 6)) {
        long[] tokens = world.tokenizer().encode(claim.prompt() + " True\n" + claim.prompt());
        CausalLm.Step step = lm.forward(manager, tokens, null);
        ObjectNode row = rows.addObject();
        ArrayNode t = row.putArray("tokens");
        for (long id : tokens) {
          t.add(id);
        }
        ArrayNode logits = row.putArray("lastLogits");
        for (int i = tokens.length - 3; i < tokens.length; i++) {
          ArrayNode r = logits.addArray();
          for (float v : step.logits().get(i).toFloatArray()) {
            r.add(v);
          }
        }
      }
      json.writeValue(out.resolve("reference.json").toFile(), ref);
      System.out.println("wrote " + out.resolve("weights.bin") + " (" + offset + " bytes), weights.json, reference.json");
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}

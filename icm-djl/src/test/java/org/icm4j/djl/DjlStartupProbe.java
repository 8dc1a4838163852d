package org.icm4j.djl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.spi.ScoreRequest;

/**
 * Run in a child JVM by {@link DjlStartupTest}: records every socket connection the process
 * attempts (and refuses it), does what a user's first program does, and prints what it saw: the
 * attempts ({@code CONNECTS n host:port ...}) and PyTorch's thread counts ({@code THREADS intra
 * inter}). Scenarios (first argument): {@code icm4j} (tokenizer, TorchScript model and one score
 * call through icm-djl), {@code set} ({@code PyTorchThreads.set(2, 1)} first), {@code reset}
 * (another inter-op count after the first program: refused), {@code djl-only}
 * (DJL's engine started directly, no icm-djl class: the control).
 */
public final class DjlStartupProbe {
  private DjlStartupProbe() {}

  static final List<String> ATTEMPTS = new ArrayList<>();

  @SuppressWarnings("deprecation") // the only hook for every java.net.Socket without an agent
  public static void main(String[] args) throws Exception {
    Socket.setSocketImplFactory(RefusingSocket::new);
    Path fixtures = Path.of(args[1]);
    switch (args[0]) {
      case "icm4j" -> firstProgram(fixtures);
      case "set" -> {
        PyTorchThreads.set(2, 1);
        firstProgram(fixtures);
      }
      case "djl-only" -> ai.djl.engine.Engine.getEngine("PyTorch");
      case "reset" -> {
        firstProgram(fixtures);
        try {
          PyTorchThreads.set(1, 2);
          System.out.println("ACCEPTED");
        } catch (IllegalStateException e) {
          System.out.println("REFUSED " + e.getMessage());
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
    synchronized (ATTEMPTS) {
      System.out.println("CONNECTS " + ATTEMPTS.size() + " " + String.join(" ", ATTEMPTS));
    }
    System.out.println(
        "THREADS "
            + ai.djl.pytorch.jni.JniUtils.getNumThreads()
            + " "
            + ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
  }

  private static void firstProgram(Path fixtures) {
    try (DjlScorer scorer =
        DjlScorer.builder()
            .model(TorchScriptLm.load(fixtures.resolve("gpt2-kv")))
            .tokenizer(TextTokenizer.huggingFace(fixtures.resolve("tokenizer.json")))
            .build()) {
      scorer.score(
          LabelSpace.binary(),
          List.of(new ScoreRequest(Example.of("c1", "Claim: 2 + 2 = 4. I think this claim is"), List.of())));
    }
  }

  /** A socket that records where it was asked to connect and refuses. */
  static final class RefusingSocket extends SocketImpl {
    private static void attempt(String where) throws ConnectException {
      synchronized (ATTEMPTS) {
        ATTEMPTS.add(where);
      }
      throw new ConnectException("refused by DjlStartupProbe: " + where);
    }

    @Override
    protected void create(boolean stream) {}

    @Override
    protected void connect(String host, int port) throws IOException {
      attempt(host + ":" + port);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
      attempt(address.getHostAddress() + ":" + port);
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
      attempt(
          address instanceof InetSocketAddress a
              ? a.getHostString() + ":" + a.getPort()
              : String.valueOf(address));
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
      throw new IOException("no sockets in DjlStartupProbe");
    }

    @Override
    protected void listen(int backlog) throws IOException {
      throw new IOException("no sockets in DjlStartupProbe");
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
      throw new IOException("no sockets in DjlStartupProbe");
    }

    @Override
    protected InputStream getInputStream() throws IOException {
      throw new IOException("not connected");
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
      throw new IOException("not connected");
    }

    @Override
    protected int available() {
      return 0;
    }

    @Override
    protected void close() {}

    @Override
    protected void sendUrgentData(int data) throws IOException {
      throw new IOException("not connected");
    }

    @Override
    public void setOption(int optID, Object value) {}

    @Override
    public Object getOption(int optID) {
      return null;
    }

    @Override
    protected <T> void setOption(SocketOption<T> name, T value) {}

    @Override
    protected <T> T getOption(SocketOption<T> name) {
      return null;
    }

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
      return Set.of();
    }
  }
}

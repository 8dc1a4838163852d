package org.icm4j.http;

/** The shared scorer contract on a stub answering as llama.cpp's server does. */
class LlamaCppStubContractTest extends StubScorerContract {
  @Override
  Engine engine() {
    return Engine.LLAMA_CPP;
  }
}

package org.icm4j.http;

/** The shared scorer contract on a stub answering as vLLM does. */
class VllmStubContractTest extends StubScorerContract {
  @Override
  Engine engine() {
    return Engine.VLLM;
  }
}

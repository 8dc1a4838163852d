package org.icm4j.http;

/** The shared scorer contract on a stub answering as SGLang does. */
class SglangStubContractTest extends StubScorerContract {
  @Override
  Engine engine() {
    return Engine.SGLANG;
  }
}

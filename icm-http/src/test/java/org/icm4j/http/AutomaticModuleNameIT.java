package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The packaged jar's JPMS name, as the module system reads it. Run by failsafe after package. */
class AutomaticModuleNameIT {

  @Test
  void httpJar_isModuleOrgIcm4jHttp() {
    Path jar = Path.of(System.getProperty("icm4j.jar"));
    Set<ModuleReference> modules = ModuleFinder.of(jar).findAll();

    assertThat(modules).as("modules in %s", jar).hasSize(1);
    assertThat(modules.iterator().next().descriptor().name()).isEqualTo("org.icm4j.http");
    assertThat(modules.iterator().next().descriptor().isAutomatic()).isTrue();
  }
}

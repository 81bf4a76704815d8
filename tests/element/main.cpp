#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <gst/gst.h>

int main(int argc, char *argv[]) {
  gst_init(nullptr, nullptr);
  if (!gst_registry_find_plugin(gst_registry_get(), "dvr")) {
    fprintf(stderr, "the dvr plugin is not on GST_PLUGIN_PATH\n");
    return 2;
  }
  return Catch::Session().run(argc, argv);
}

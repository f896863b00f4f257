// dlrun MODEL.fb --generate N: sampling bytes from a model of text.
#ifndef DLC_TOOLS_DLRUN_GENERATE_H
#define DLC_TOOLS_DLRUN_GENERATE_H

#include <cstdint>
#include <string>

namespace dlc::tools {

struct GenerateOptions {
  std::string model; // the compiled .fb, with a forward entry point of text
  std::string device = "auto";
  std::string precision = "fp32";
  int threads = 0;
  std::string params;       // parameters or a checkpoint (.safetensors)
  std::string prompt;       // the bytes to continue ("" starts from a newline)
  int64_t count = 0;        // bytes to generate
  double temperature = 1.0; // 0: always the most likely byte
  int64_t topK = 0;         // sample among the K most likely bytes (0: all)
  uint64_t seed = 0;
};

/// Prints the prompt, then `count` sampled bytes to stdout as they come;
/// what it did to stderr. Throws dlc::Error on failure.
void generate(const GenerateOptions &options);

} // namespace dlc::tools

#endif // DLC_TOOLS_DLRUN_GENERATE_H

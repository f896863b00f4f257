// dlrun --train: the training loop around a compiled model's train_step and
// eval entry points.
#ifndef DLC_TOOLS_DLRUN_TRAIN_H
#define DLC_TOOLS_DLRUN_TRAIN_H

#include <cstdint>
#include <string>

namespace dlc::tools {

struct TrainOptions {
  std::string model; // the compiled .fb
  std::string device = "auto";
  std::string precision = "fp32"; // or "tf32"
  int threads = 0;
  int64_t epochs = 0;       // train until this many epochs in all (0: see steps)
  int64_t steps = 0;        // or until this many steps in all
  int64_t evalEvery = 0;    // evaluate every N steps (0: after each epoch)
  int64_t reportEvery = 0;  // progress every N steps (0: ten times an epoch)
  std::string data;         // a directory of MNIST-style IDX files, or an .npz
  std::string params;       // start from these parameters (.safetensors)
  std::string log;          // JSON lines
  std::string plot;         // .svg
  std::string checkpoint;   // written after each epoch and at the end
  std::string resume;       // a checkpoint to continue from
  uint64_t seed = 0;        // data order (and random data)
  bool shuffle = true;      // false: the training samples in file order
  bool progressBar = false; // a bar updated in place (a terminal) instead of lines
  // --stop-when METRIC>=VALUE (or <=): stop after the first evaluation whose
  // METRIC reaches VALUE. Empty: train to the end.
  std::string stopMetric;
  bool stopAtLeast = true; // >= (else <=)
  double stopValue = 0;
};

/// Parses --stop-when's "NAME>=VALUE" or "NAME<=VALUE" into `options`;
/// false (with `*why` set) when it is neither.
bool parseStopWhen(const std::string &text, TrainOptions *options, std::string *why);

/// Trains; throws dlc::Error (or std::exception) with a message on failure.
void train(const TrainOptions &options);

} // namespace dlc::tools

#endif // DLC_TOOLS_DLRUN_TRAIN_H

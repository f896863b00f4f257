// A Device for session tests that do not depend on the CPU backend: memory
// from the heap, and programs that run Copy commands only.
#ifndef DLC_TEST_UNIT_RUNTIME_FAKE_DEVICE_H
#define DLC_TEST_UNIT_RUNTIME_FAKE_DEVICE_H

#include "device.h"

#include <cstdlib>
#include <cstring>

namespace dlc::test {

class FakeDevice : public rt::Device {
public:
  std::string name() const override { return "cpu"; }
  std::string target() const override { return "cpu"; }

  rt::Status allocate(size_t bytes, void **out) override {
    void *memory = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!memory)
      return rt::error(DLC_UNAVAILABLE, "out of memory");
    std::memset(memory, 0, bytes);
    *out = memory;
    return rt::okStatus();
  }
  void release(void *memory) override { std::free(memory); }
  size_t peakMemoryBytes() const override { return 0; }

  rt::Status prepare(const fb::Executable &executable, const fb::EntryPoint &entry,
                     const std::vector<rt::Tensor> &buffers,
                     std::unique_ptr<rt::Program> *out) override {
    auto program = std::make_unique<CopyProgram>();
    if (entry.commands()) {
      for (const fb::Command *command : *entry.commands()) {
        const fb::Copy *copy = command->op_as_Copy();
        if (!copy)
          return rt::error(DLC_UNAVAILABLE, "{}: the fake device runs copies only",
                           rt::describeCommand(executable, *command));
        program->copies.push_back({buffers[copy->source()], buffers[copy->dest()]});
      }
    }
    *out = std::move(program);
    return rt::okStatus();
  }

private:
  struct CopyProgram : rt::Program {
    std::vector<std::pair<rt::Tensor, rt::Tensor>> copies;
    rt::Status run() override {
      for (size_t i = 0; i < copies.size(); ++i)
        (void)runCommand(i);
      return rt::okStatus();
    }
    size_t commandCount() const override { return copies.size(); }
    rt::Status runCommand(size_t i) override {
      std::memmove(copies[i].second.data, copies[i].first.data, copies[i].first.bytes());
      return rt::okStatus();
    }
  };
};

} // namespace dlc::test

#endif // DLC_TEST_UNIT_RUNTIME_FAKE_DEVICE_H

#include "test_program.h"

#include "float16.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

namespace dlc::rt::test {

int64_t Array::elements() const {
  int64_t n = 1;
  for (int64_t dim : shape)
    n *= dim;
  return n;
}

double Array::at(int64_t i) const {
  auto load = [&](auto zero) {
    decltype(zero) value;
    std::memcpy(&value, bytes.data() + i * sizeof value, sizeof value);
    return value;
  };
  switch (dtype) {
  case fb::DType::F32:
    return load(float{});
  case fb::DType::F64:
    return load(double{});
  case fb::DType::F16:
    return fromF16(load(uint16_t{}));
  case fb::DType::BF16:
    return fromBf16(load(uint16_t{}));
  case fb::DType::I64:
    return static_cast<double>(load(int64_t{}));
  case fb::DType::I32:
    return load(int32_t{});
  case fb::DType::U8:
  case fb::DType::I1:
    return load(uint8_t{});
  }
  return 0;
}

fb::DType dtypeFromName(const std::string &name) {
  for (fb::DType dtype : fb::EnumValuesDType())
    if (name == dtypeName(dtype))
      return dtype;
  ADD_FAILURE() << "unknown dtype " << name;
  return fb::DType::F32;
}

namespace {

std::vector<ReferenceCase> loadReference() {
  std::ifstream blobFile(DLC_CPU_REFERENCE_DIR "/arrays.bin", std::ios::binary);
  std::vector<uint8_t> blob((std::istreambuf_iterator<char>(blobFile)),
                            std::istreambuf_iterator<char>());
  std::ifstream manifest(DLC_CPU_REFERENCE_DIR "/cases.json");
  EXPECT_TRUE(blobFile && manifest) << "missing " DLC_CPU_REFERENCE_DIR;
  nlohmann::json json = nlohmann::json::parse(manifest, nullptr, false);
  std::vector<ReferenceCase> cases;
  if (json.is_discarded())
    return cases;
  auto array = [&](const nlohmann::json &entry) {
    Array a{dtypeFromName(entry["dtype"]), entry["shape"].get<std::vector<int64_t>>(), {}};
    size_t offset = entry["offset"], size = entry["size"];
    if (offset + size <= blob.size())
      a.bytes.assign(blob.begin() + offset, blob.begin() + offset + size);
    EXPECT_EQ(a.bytes.size(), a.elements() * dtypeSize(a.dtype));
    return a;
  };
  for (const nlohmann::json &entry : json["cases"]) {
    ReferenceCase c{entry["name"], entry["op"], entry["attrs"], {}, {}};
    for (const auto &[name, value] : entry["inputs"].items())
      c.inputs[name] = array(value);
    for (const auto &[name, value] : entry["expected"].items())
      c.expected[name] = array(value);
    cases.push_back(std::move(c));
  }
  return cases;
}

} // namespace

const std::vector<ReferenceCase> &referenceCases(const std::string &op) {
  static const std::vector<ReferenceCase> all = loadReference();
  static std::map<std::string, std::vector<ReferenceCase>> byOp;
  auto [it, inserted] = byOp.try_emplace(op);
  if (inserted)
    for (const ReferenceCase &c : all)
      if (c.op == op)
        it->second.push_back(c);
  EXPECT_FALSE(it->second.empty()) << "no reference cases for " << op;
  return it->second;
}

TestProgram::TestProgram(int threads) : device_(createCpuDevice(threads)) {}

TestProgram::~TestProgram() {
  program_.reset();
  for (const Tensor &tensor : tensors_)
    device_->release(tensor.data);
}

uint32_t TestProgram::addBuffer(const std::string &name, fb::DType dtype,
                                std::vector<int64_t> shape) {
  specs_.push_back({name, dtype, std::move(shape), {}});
  names_[name] = static_cast<uint32_t>(specs_.size() - 1);
  return names_[name];
}

uint32_t TestProgram::addBuffer(const std::string &name, const Array &contents) {
  uint32_t index = addBuffer(name, contents.dtype, contents.shape);
  specs_[index].contents = contents.bytes;
  return index;
}

void TestProgram::addBuffers(const ReferenceCase &c) {
  for (const auto &[name, array] : c.inputs)
    addBuffer(name, array);
  for (const auto &[name, array] : c.expected)
    if (!c.inputs.count(name))
      addBuffer(name, array.dtype, array.shape);
}

int32_t TestProgram::buffer(const std::string &name) const {
  auto it = names_.find(name);
  return it == names_.end() ? -1 : static_cast<int32_t>(it->second);
}

uint32_t TestProgram::addKernel(flatbuffers::Offset<fb::Kernel> kernel) {
  kernels_.push_back(kernel);
  return static_cast<uint32_t>(kernels_.size() - 1);
}

void TestProgram::addCommand(fb::Op type, flatbuffers::Offset<void> op, uint32_t line) {
  int32_t location = -1;
  if (line > 0) {
    location = static_cast<int32_t>(lines_.size());
    lines_.push_back(line);
  }
  commands_.push_back(fb::CreateCommand(builder_, type, op, location));
}

Status TestProgram::prepare() {
  flatbuffers::FlatBufferBuilder &b = builder_;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  for (const BufferSpec &spec : specs_) {
    int64_t elements = 1;
    for (int64_t dim : spec.shape)
      elements *= dim;
    buffers.push_back(fb::CreateBufferDirect(b, spec.name.c_str(), spec.dtype, &spec.shape,
                                             fb::Role::Temporary, fb::Region::Arena, 0, 0,
                                             elements * dtypeSize(spec.dtype)));
  }
  std::vector<flatbuffers::Offset<fb::Location>> locations;
  for (uint32_t line : lines_)
    locations.push_back(fb::CreateLocationDirect(b, "model.mlir", line, 5));
  std::vector<flatbuffers::Offset<fb::EntryPoint>> entries = {
      fb::CreateEntryPointDirect(b, "main", nullptr, nullptr, 0, &commands_)};
  b.Finish(fb::CreateExecutableDirect(b, static_cast<uint32_t>(fb::SchemaVersion::Current), "test",
                                      "model.mlir", nullptr, &buffers, nullptr, 0, nullptr,
                                      &kernels_, &locations, &entries),
           fb::ExecutableIdentifier());
  flatbuffers::Verifier verifier(b.GetBufferPointer(), b.GetSize());
  if (!fb::VerifyExecutableBuffer(verifier))
    return error(DLC_INTERNAL, "the test built an invalid executable");
  const fb::Executable &executable = *fb::GetExecutable(b.GetBufferPointer());

  for (size_t i = 0; i < specs_.size(); ++i) {
    Tensor tensor;
    tensor.dtype = specs_[i].dtype;
    tensor.shape.rank = static_cast<int>(specs_[i].shape.size());
    std::copy(specs_[i].shape.begin(), specs_[i].shape.end(), tensor.shape.dims.begin());
    tensor.name = executable.buffers()->Get(static_cast<uint32_t>(i))->name()->string_view();
    DLC_RETURN_IF_ERROR(device_->allocate(tensor.bytes(), &tensor.data));
    tensors_.push_back(tensor);
    if (!specs_[i].contents.empty())
      std::memcpy(tensor.data, specs_[i].contents.data(), tensor.bytes());
  }
  return device_->prepare(executable, *executable.entry_points()->Get(0), tensors_, &program_);
}

Status TestProgram::run() { return program_->run(); }

Array TestProgram::read(uint32_t buffer) const {
  const Tensor &tensor = tensors_.at(buffer);
  const uint8_t *data = static_cast<const uint8_t *>(tensor.data);
  return {tensor.dtype,
          std::vector<int64_t>(tensor.shape.dims.begin(),
                               tensor.shape.dims.begin() + tensor.shape.rank),
          std::vector<uint8_t>(data, data + tensor.bytes())};
}

void TestProgram::expectMatches(const ReferenceCase &c, const Tolerances &tolerances) const {
  for (const auto &[name, expected] : c.expected) {
    Tolerance tolerance;
    switch (expected.dtype) {
    case fb::DType::F32:
      tolerance = tolerances.f32;
      break;
    case fb::DType::F64:
      tolerance = tolerances.f64;
      break;
    case fb::DType::F16:
      tolerance = tolerances.f16;
      break;
    case fb::DType::BF16:
      tolerance = tolerances.bf16;
      break;
    default:
      break;
    }
    expectClose(read(static_cast<uint32_t>(buffer(name))), expected, tolerance,
                c.name + " " + name);
  }
}

void expectClose(const Array &actual, const Array &expected, Tolerance tolerance,
                 const std::string &what) {
  ASSERT_EQ(actual.dtype, expected.dtype) << what;
  ASSERT_EQ(actual.shape, expected.shape) << what;
  int64_t mismatches = 0;
  std::string report;
  for (int64_t i = 0; i < expected.elements(); ++i) {
    double a = actual.at(i), e = expected.at(i);
    bool same = a == e || (std::isnan(a) && std::isnan(e)) ||
                std::abs(a - e) <= tolerance.atol + tolerance.rtol * std::abs(e);
    if (!same && mismatches++ < 8)
      report += fmt::format("\n  [{}] {} expected {} (difference {:.3g})", i, a, e, a - e);
  }
  EXPECT_EQ(mismatches, 0) << what << ": " << mismatches << " of " << expected.elements()
                           << " elements differ (rtol " << tolerance.rtol << ", atol "
                           << tolerance.atol << ")" << report;
}

} // namespace dlc::rt::test

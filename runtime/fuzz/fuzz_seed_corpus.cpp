// Writes the fuzzers' seed corpora: for fuzz_loader the unit tests' tiny
// model (also with a CUDA target) and the model with a command of every op;
// for fuzz_data_files a small file of each format, behind the byte that
// selects its reader.
//
//   fuzz_seed_corpus LOADER_DIR DATA_DIR
#include "test_executable.h"

#include <zlib.h>

#include <cstdio>
#include <string>

namespace {

bool writeFile(const std::string &path, const std::string &bytes) {
  FILE *file = std::fopen(path.c_str(), "wb");
  const bool ok = file && std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  if (file)
    std::fclose(file);
  if (!ok)
    std::perror(path.c_str());
  return ok;
}

void put(std::string &out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

/// Deflate `data`: raw (`windowBits` -15) or gzip (31).
std::string compress(const std::string &data, int windowBits) {
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef *>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string npy() {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  put(bytes, header.size(), 2);
  return bytes + header + std::string(24, '\x01');
}

/// A zip with `x.npy` stored and `y.npy` deflated.
std::string npz() {
  std::string out, directory;
  int count = 0;
  for (bool deflated : {false, true}) {
    const std::string name = deflated ? "y.npy" : "x.npy", data = npy();
    const std::string payload = deflated ? compress(data, -15) : data;
    const uLong crc =
        crc32(0, reinterpret_cast<const Bytef *>(data.data()), static_cast<uInt>(data.size()));
    const size_t offset = out.size();
    for (std::string *record : {&out, &directory}) {
      const bool central = record == &directory;
      put(*record, central ? 0x02014b50 : 0x04034b50, 4);
      if (central)
        put(*record, 20, 2);
      put(*record, 20, 2);
      put(*record, 0, 2);
      put(*record, deflated ? 8 : 0, 2);
      put(*record, 0, 4);
      put(*record, crc, 4);
      put(*record, payload.size(), 4);
      put(*record, data.size(), 4);
      put(*record, name.size(), 2);
      put(*record, 0, 2);
      if (central) {
        put(*record, 0, 6); // comment length, disk, internal attributes
        put(*record, 0, 4); // external attributes
        put(*record, offset, 4);
      }
      *record += name;
    }
    out += payload;
    ++count;
  }
  const size_t directoryOffset = out.size();
  out += directory;
  put(out, 0x06054b50, 4);
  put(out, 0, 4);
  put(out, count, 2);
  put(out, count, 2);
  put(out, directory.size(), 4);
  put(out, directoryOffset, 4);
  put(out, 0, 2);
  return out;
}

std::string idx() {
  std::string bytes =
      std::string("\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x03", 16);
  for (int i = 0; i < 18; ++i)
    bytes += static_cast<char>(i);
  return bytes;
}

std::string safetensors() {
  const std::string header = R"({"__metadata__":{"model":"m"},"w":{"dtype":"F32","shape":[2,3],)"
                             R"("data_offsets":[0,24]},"s":{"dtype":"I64","shape":[],)"
                             R"("data_offsets":[24,32]}})";
  std::string bytes;
  put(bytes, header.size(), 8);
  return bytes + header + std::string(32, '\x02');
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s LOADER_DIR DATA_DIR\n", argv[0]);
    return 2;
  }
  const std::string loader = argv[1], data = argv[2];
  auto executable = [](const dlc::test::ExecutableSpec &spec) {
    const std::vector<uint8_t> bytes = dlc::test::build(spec);
    return std::string(bytes.begin(), bytes.end());
  };
  bool ok = writeFile(loader + "/tiny.fb", executable(dlc::test::tinySpec())) &&
            writeFile(loader + "/all_ops.fb", executable(dlc::test::allOpsSpec())) &&
            writeFile(loader + "/tiny_cuda.fb", executable(dlc::test::tinyCudaSpec()));
  ok = ok && writeFile(data + "/npy", '\0' + npy()) && writeFile(data + "/npz", '\1' + npz()) &&
       writeFile(data + "/idx", '\2' + idx()) &&
       writeFile(data + "/idx_gz", '\2' + compress(idx(), 31)) &&
       writeFile(data + "/safetensors", '\3' + safetensors());
  return ok ? 0 : 1;
}

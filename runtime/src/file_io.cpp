#include "file_io.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlc::rt {

namespace {

Status ioError(const char *what, const std::string &path, int err) {
  return error(DLC_IO_ERROR, "cannot {} {}: {}", what, path, std::strerror(err));
}

/// The directory part of `path`, for syncing the rename.
std::string parentDirectory(const std::string &path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

Status readFile(const std::string &path, uint64_t maxBytes, std::vector<uint8_t> *out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ioError("open", path, errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int err = errno;
    ::close(fd);
    return ioError("stat", path, err);
  }
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    return ioError("read", path, EISDIR);
  }
  if (S_ISREG(info.st_mode) && static_cast<uint64_t>(info.st_size) > maxBytes) {
    ::close(fd);
    return error(DLC_INVALID_FILE, "{} is {} bytes; the limit is {}", path, info.st_size, maxBytes);
  }
  // Regular files are read at their size (plus one byte to see the end);
  // pipes and devices until EOF.
  std::vector<uint8_t> bytes(S_ISREG(info.st_mode) ? static_cast<size_t>(info.st_size) + 1 : 65536);
  size_t done = 0;
  for (;;) {
    if (done == bytes.size()) {
      if (done > maxBytes)
        break;
      bytes.resize(static_cast<size_t>(std::min<uint64_t>(maxBytes + 1, uint64_t(done) * 2)));
    }
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ioError("read", path, err);
    }
    if (n == 0)
      break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done > maxBytes)
    return error(DLC_INVALID_FILE, "{} is more than {} bytes", path, maxBytes);
  bytes.resize(done);
  *out = std::move(bytes);
  return okStatus();
}

Status writeFileAtomically(const std::string &path, const std::vector<ByteSpan> &chunks) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return ioError("create", temporary, errno);
  auto fail = [&](const char *what, int err) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(temporary.c_str());
    return ioError(what, temporary, err).withContext("saving " + path);
  };
  for (const ByteSpan &chunk : chunks) {
    const auto *data = static_cast<const uint8_t *>(chunk.data);
    size_t done = 0;
    while (done < chunk.size) {
      const ssize_t n = ::write(fd, data + done, chunk.size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail("write", errno);
      done += static_cast<size_t>(n);
    }
  }
  if (::fsync(fd) != 0)
    return fail("sync", errno);
  const int closed = ::close(fd);
  if (closed != 0) {
    const int err = errno;
    ::unlink(temporary.c_str());
    return ioError("close", temporary, err).withContext("saving " + path);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temporary.c_str());
    return error(DLC_IO_ERROR, "cannot rename {} to {}: {}", temporary, path, std::strerror(err));
  }
  // Make the rename itself durable; a failure here leaves a complete file.
  const int dir = ::open(parentDirectory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return okStatus();
}

} // namespace dlc::rt

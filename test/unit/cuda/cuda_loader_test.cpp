// The CUDA backend's loader, without a GPU.
#include "cuda_api.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace dlc::rt::cuda {
namespace {

std::string toolkitFile(const std::string &relative) {
  for (const char *root : {static_cast<const char *>(std::getenv("CUDA_HOME")),
                           static_cast<const char *>(std::getenv("CUDA_PATH")), "/usr/local/cuda"})
    if (root && std::ifstream(std::string(root) + "/" + relative))
      return std::string(root) + "/" + relative;
  return "";
}

// Every driver function dlc calls, under the versioned name the headers give
// it (cuMemAlloc_v2, cuStreamBeginCapture_v2, ...), exists in the toolkit's
// stub of libcuda, which exports the driver's whole API.
TEST(CudaLoader, EveryDriverFunctionNameExists) {
  const std::string stub = toolkitFile("lib64/stubs/libcuda.so");
  if (stub.empty())
    GTEST_SKIP() << "no CUDA toolkit stub libcuda.so here";
  std::vector<std::string> missing;
  Status status = missingDriverFunctions(stub, &missing);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(missing.empty()) << "missing: " << missing.front();
}

TEST(CudaLoader, ALibraryThatIsNotThereIsAnError) {
  std::vector<std::string> missing;
  Status status = missingDriverFunctions("/nonexistent/libcuda.so.1", &missing);
  EXPECT_EQ(status.code(), DLC_NOT_FOUND);
}

// The folders in DLC_CUDA_LIBRARY_PATH come first, in order.
TEST(CudaLoader, LibraryPathVariableComesFirst) {
  ::setenv("DLC_CUDA_LIBRARY_PATH", "/first/lib::/second/lib", 1);
  std::vector<std::string> directories = libraryDirectories();
  ::unsetenv("DLC_CUDA_LIBRARY_PATH");
  ASSERT_GE(directories.size(), 2u);
  EXPECT_EQ(directories[0], "/first/lib");
  EXPECT_EQ(directories[1], "/second/lib");
}

// Where the toolkit has cuBLASLt and cuDNN, both load with every function
// dlc uses, and say where they came from.
TEST(CudaLoader, FindsCublasLtAndCudnnOfTheToolkit) {
  const CublasLt *lt = nullptr;
  Status status = loadCublasLt(&lt);
  if (!status.ok() && status.message().find("was not found") != std::string::npos)
    GTEST_SKIP() << status.message();
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_FALSE(lt->library.path.empty());
  EXPECT_GE(lt->cublasLtGetVersion(), 120000u);
  const Cudnn *dnn = nullptr;
  status = loadCudnn(&dnn);
  if (!status.ok() && status.message().find("was not found") != std::string::npos)
    GTEST_SKIP() << status.message();
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_GE(dnn->cudnnGetVersion(), 90000u);
}

TEST(CudaLoader, VersionText) {
  EXPECT_EQ(cudaVersionText(13000), "13.0");
  EXPECT_EQ(cudaVersionText(12080), "12.8");
}

} // namespace
} // namespace dlc::rt::cuda

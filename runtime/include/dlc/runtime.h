/* The dlc runtime's C API: load a compiled model (.fb), create a session on a
 * device, bind inputs by name, run an entry point, read outputs, and get, set,
 * save and load parameters.
 *
 * Conventions:
 * - Every fallible call returns a dlc_status*: NULL means success; otherwise
 *   the caller owns the status and frees it with dlc_status_free. The message
 *   names what is wrong (file, tensor, expected and actual shape or dtype, and
 *   the model line a failing command came from).
 * - Objects are created by *_create / *_load calls and released by the
 *   matching *_release. A session keeps its executable alive.
 * - Tensors cross the API as raw little-endian bytes in row-major order with
 *   an explicit dtype and shape; the runtime copies them.
 * - No C++ exception crosses this boundary. */
#ifndef DLC_RUNTIME_H
#define DLC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* What the shared library exports: these functions and nothing else (the
 * runtime's internals are hidden; runtime/dlc_runtime.map). */
#if defined(_WIN32)
#define DLC_API
#elif defined(__GNUC__) || defined(__clang__)
#define DLC_API __attribute__((visibility("default")))
#else
#define DLC_API
#endif

/* The version of this header. dlc_runtime_version() gives the loaded
 * library's; a program built with this header runs with any library of the
 * same major version (the soname, libdlc_runtime.so.MAJOR). The build reads
 * the project's version from these lines (runtime/cmake/version.cmake). */
#define DLC_RUNTIME_VERSION_MAJOR 0
#define DLC_RUNTIME_VERSION_MINOR 1
#define DLC_RUNTIME_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

/* The loaded library's version, "MAJOR.MINOR.PATCH". */
DLC_API const char *dlc_runtime_version(void);

/*===----------------------------------------------------------------------===*
 * Status
 *===----------------------------------------------------------------------===*/

typedef enum dlc_status_code {
  DLC_OK = 0,
  DLC_INVALID_ARGUMENT = 1, /* a bad name, shape, dtype or size from the caller */
  DLC_INVALID_FILE = 2,     /* a damaged, truncated or unsupported .fb or data file */
  DLC_NOT_FOUND = 3,        /* no such entry point, input, output or parameter */
  DLC_IO_ERROR = 4,         /* reading or writing a file failed */
  DLC_UNAVAILABLE = 5,      /* the device cannot be used (no GPU, missing library) */
  DLC_RUNTIME_ERROR = 6,    /* a command failed while running (e.g. label out of range) */
  DLC_INTERNAL = 7
} dlc_status_code;

typedef struct dlc_status dlc_status;

DLC_API dlc_status_code dlc_status_get_code(const dlc_status *status);
/* The message; valid until the status is freed. */
DLC_API const char *dlc_status_get_message(const dlc_status *status);
DLC_API void dlc_status_free(dlc_status *status);

/*===----------------------------------------------------------------------===*
 * Tensors
 *===----------------------------------------------------------------------===*/

typedef enum dlc_dtype {
  DLC_F32 = 0,
  DLC_F64 = 1,
  DLC_F16 = 2,
  DLC_BF16 = 3,
  DLC_I64 = 4,
  DLC_I32 = 5,
  DLC_U8 = 6,
  DLC_I1 = 7 /* one byte per element, 0 or 1 */
} dlc_dtype;

/* Bytes per element of dtype; 0 for an unknown value. */
DLC_API size_t dlc_dtype_size(dlc_dtype dtype);
/* "f32", "ui8", ...; "?" for an unknown value. */
DLC_API const char *dlc_dtype_name(dlc_dtype dtype);

#define DLC_MAX_RANK 8

/* A tensor's name, dtype and shape, as the model declares it. */
typedef struct dlc_tensor_info {
  const char *name; /* valid while the executable lives */
  dlc_dtype dtype;
  int32_t rank;
  int64_t shape[DLC_MAX_RANK];
  size_t size_bytes;
} dlc_tensor_info;

/*===----------------------------------------------------------------------===*
 * Executables: a loaded, verified .fb file
 *===----------------------------------------------------------------------===*/

typedef struct dlc_executable dlc_executable;

/* Loads and verifies a compiled model. Nothing runs before the whole file
 * has been checked; a damaged file yields DLC_INVALID_FILE. */
DLC_API dlc_status *dlc_executable_load_file(const char *path, dlc_executable **out);
/* The same from memory; the bytes are copied. `name` appears in messages. */
DLC_API dlc_status *dlc_executable_load_memory(const void *data, size_t size, const char *name,
                                       dlc_executable **out);
DLC_API void dlc_executable_release(dlc_executable *executable);

DLC_API const char *dlc_executable_model_name(const dlc_executable *executable);

/* The model's default training data: "fashion_mnist", "random" (fixed
 * random inputs), "text" (a byte corpus), or "" when the model names none
 * (`dl.dataset`). Owned by the executable. */
DLC_API const char *dlc_executable_dataset(const dlc_executable *executable);
DLC_API size_t dlc_executable_entry_point_count(const dlc_executable *executable);
DLC_API const char *dlc_executable_entry_point_name(const dlc_executable *executable, size_t index);
/* Inputs and outputs of an entry point, in signature order. */
DLC_API dlc_status *dlc_executable_entry_point_io(const dlc_executable *executable, const char *entry,
                                          size_t *input_count, size_t *output_count);
DLC_API dlc_status *dlc_executable_input_info(const dlc_executable *executable, const char *entry,
                                      size_t index, dlc_tensor_info *info);
DLC_API dlc_status *dlc_executable_output_info(const dlc_executable *executable, const char *entry,
                                       size_t index, dlc_tensor_info *info);
/* Persistent tensors: parameters and state. */
DLC_API size_t dlc_executable_parameter_count(const dlc_executable *executable);
DLC_API dlc_status *dlc_executable_parameter_info(const dlc_executable *executable, size_t index,
                                          dlc_tensor_info *info);

/*===----------------------------------------------------------------------===*
 * Sessions: an executable's memory on one device
 *===----------------------------------------------------------------------===*/

typedef struct dlc_session dlc_session;

typedef struct dlc_session_options {
  const char *device;    /* "auto": the GPU when there is one the file can use, else the
                            CPU (see dlc_session_device_note); "cpu"; "cuda" or "cuda:N";
                            "cuda-emulated:LIB.so" runs the file's CUDA form on the CPU
                            with the host build of its kernels (tests). NULL means "cpu". */
  int32_t num_threads;   /* CPU threads; 0: one per core */
  uint64_t seed;         /* added to every initializer's seed; 0 keeps the file's */
  const char *precision; /* "fp32" (NULL means "fp32"): f32 products in full f32; "tf32":
                            cuBLASLt and cuDNN may round f32 products to TF32 on the GPU */
} dlc_session_options;

/* Allocates the persistent region and the arena, and initializes every
 * parameter from its initializer. */
DLC_API dlc_status *dlc_session_create(const dlc_executable *executable, const dlc_session_options *options,
                               dlc_session **out);
DLC_API void dlc_session_release(dlc_session *session);
/* The device the session computes on, e.g. "cpu (2 threads)" or
 * "cuda:0 (NVIDIA H100 80GB HBM3, sm_90, 79 GiB)". */
DLC_API const char *dlc_session_device(const dlc_session *session);
/* Why device "auto" chose the CPU, in one sentence ("" when it did not). */
DLC_API const char *dlc_session_device_note(const dlc_session *session);

/* The most bytes of the device's memory the session has held at once: its
 * planned regions (parameters, optimizer state, activations, constants) and,
 * on a GPU, the library calls' workspace and the staging copies of inputs.
 * Not counted: the CUDA context and the libraries' own handles, and on the
 * CPU the libraries' scratch memory. */
DLC_API size_t dlc_session_peak_memory(const dlc_session *session);

/* Copies an input in. dtype and shape must match the declaration exactly. */
DLC_API dlc_status *dlc_session_set_input(dlc_session *session, const char *entry, const char *name,
                                  dlc_dtype dtype, const int64_t *shape, int32_t rank,
                                  const void *data, size_t size_bytes);
/* Runs an entry point; every input must have been set since its last run
 * (a run consumes its inputs: their memory is reused once read). */
DLC_API dlc_status *dlc_session_run(dlc_session *session, const char *entry);
/* Copies an output of the last run out; size_bytes must be the output's size. */
DLC_API dlc_status *dlc_session_get_output(dlc_session *session, const char *entry, const char *name,
                                   void *data, size_t size_bytes);

/* Like dlc_session_get_output, but `data` may be filled as late as the next
 * dlc_session_synchronize (or any call that reads from the session): a
 * training loop reads each step's loss this way without waiting for the
 * step to finish on a GPU. `data` must stay valid until then. */
DLC_API dlc_status *dlc_session_fetch_output(dlc_session *session, const char *entry, const char *name,
                                     void *data, size_t size_bytes);
/* Waits for the work queued on the device and reports its errors (on the
 * GPU, runs are queued and an error in one can surface here). */
DLC_API dlc_status *dlc_session_synchronize(dlc_session *session);

/* Parameters and state, by name (without the '@'). */
DLC_API dlc_status *dlc_session_get_parameter(dlc_session *session, const char *name, void *data,
                                      size_t size_bytes);
DLC_API dlc_status *dlc_session_set_parameter(dlc_session *session, const char *name, const void *data,
                                      size_t size_bytes);
/* All parameters and state as one safetensors file, written atomically
 * (a temporary file renamed into place). */
DLC_API dlc_status *dlc_session_save_parameters(dlc_session *session, const char *path);
/* Loads every tensor of a safetensors file into the parameter of the same
 * name; names, dtypes and shapes must match, and every parameter must be
 * present. Optimizer state (role OptimizerState) may be absent, e.g. in
 * weights written by another framework: it then keeps its value. On error
 * nothing is changed. */
DLC_API dlc_status *dlc_session_load_parameters(dlc_session *session, const char *path);
/* String metadata for the header of every later save (what a trainer needs
 * to resume, say); an empty value removes the key; "model" is reserved.
 * dlc_session_load_parameters replaces it with the loaded file's. */
DLC_API dlc_status *dlc_session_set_metadata(dlc_session *session, const char *key, const char *value);
/* The value of `key`, or NULL; valid until the metadata next changes. */
DLC_API const char *dlc_session_get_metadata(const dlc_session *session, const char *key);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DLC_RUNTIME_H */

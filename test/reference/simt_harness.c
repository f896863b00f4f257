/* Runs the GPU kernels that `dlc compile --emit=host-mapped-kernels`
 * compiled for the CPU as a GPU would: a launch of grid x block runs
 * `block` host threads at once, thread t taking thread id t in every block
 * in turn; gpu.all_reduce and gpu.barrier synchronize the threads of a
 * block, as on the GPU. Linked with the kernels into the library that
 * `dlrun --device cuda-emulated:LIB` loads (test/reference/commands.py). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_BLOCK 1024

static __thread int64_t thread_id, block_id;
static int64_t block_dim, grid_dim;
static pthread_barrier_t barrier;
/* The values a block's threads bring to an all_reduce, by thread id. */
static union {
  float f32;
  double f64;
  int32_t i32;
  int64_t i64;
} shares[MAX_BLOCK];

int64_t dlc_simt_thread_id(void) { return thread_id; }
int64_t dlc_simt_block_id(void) { return block_id; }
int64_t dlc_simt_block_dim(void) { return block_dim; }
int64_t dlc_simt_grid_dim(void) { return grid_dim; }
void dlc_simt_barrier(void) { pthread_barrier_wait(&barrier); }

/* Every thread stores its value, all combine every share in thread order,
 * and wait again before the shares can be overwritten. */
#define ALL_REDUCE(KIND, T, COMBINE)                                                               \
  T dlc_simt_all_reduce_##KIND##_##T(T value) {                                                    \
    shares[thread_id].T = value;                                                                   \
    pthread_barrier_wait(&barrier);                                                                \
    T result = shares[0].T;                                                                        \
    for (int64_t i = 1; i < block_dim; ++i) {                                                      \
      T x = shares[i].T;                                                                           \
      result = COMBINE;                                                                            \
    }                                                                                              \
    pthread_barrier_wait(&barrier);                                                                \
    return result;                                                                                 \
  }

typedef float f32;
typedef double f64;
typedef int32_t i32;
typedef int64_t i64;
ALL_REDUCE(add, f32, result + x)
ALL_REDUCE(add, f64, result + x)
ALL_REDUCE(add, i32, result + x)
ALL_REDUCE(add, i64, result + x)
ALL_REDUCE(maximumf, f32, isnan(result) || isnan(x) ? NAN : (x > result ? x : result))
ALL_REDUCE(maximumf, f64, isnan(result) || isnan(x) ? NAN : (x > result ? x : result))
ALL_REDUCE(maxsi, i32, x > result ? x : result)
ALL_REDUCE(maxsi, i64, x > result ? x : result)
ALL_REDUCE(maxui, i32, (uint32_t)x > (uint32_t)result ? x : result)
ALL_REDUCE(maxui, i64, (uint64_t)x > (uint64_t)result ? x : result)

struct thread_job {
  void (*run)(void **);
  void **buffers;
  int64_t thread;
};

static void *run_thread(void *argument) {
  struct thread_job *job = argument;
  thread_id = job->thread;
  for (block_id = 0; block_id < grid_dim; ++block_id)
    job->run(job->buffers);
  return NULL;
}

void dlc_simt_launch(void (*run)(void **), void **buffers, int64_t grid, int64_t block) {
  if (block < 1 || block > MAX_BLOCK) {
    fprintf(stderr, "simt harness: %lld threads per block\n", (long long)block);
    abort();
  }
  grid_dim = grid;
  block_dim = block;
  pthread_barrier_init(&barrier, NULL, (unsigned)block);
  pthread_t threads[MAX_BLOCK];
  struct thread_job jobs[MAX_BLOCK];
  for (int64_t t = 0; t < block; ++t) {
    jobs[t] = (struct thread_job){run, buffers, t};
    if (pthread_create(&threads[t], NULL, run_thread, &jobs[t]) != 0) {
      perror("simt harness: pthread_create");
      abort();
    }
  }
  for (int64_t t = 0; t < block; ++t)
    pthread_join(threads[t], NULL);
  pthread_barrier_destroy(&barrier);
}

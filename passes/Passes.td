#ifndef DLC_PASSES_TD
#define DLC_PASSES_TD

include "mlir/Pass/PassBase.td"

def DLLowerToExec : Pass<"dl-lower-to-exec", "mlir::ModuleOp"> {
  let summary = "Lower dl functions to exec entry points of library calls and kernel launches";
  let description = [{
    Each public func.func becomes an exec.entry. Matmul, convolution, pooling,
    reductions, shape ops, normalization and losses become `exec.call`s of
    library routines, a bias add and ReLU after a matmul (a ReLU after a
    convolution) folded into the call; runs of consecutive elementwise ops
    with one result shape and one float compute type (f32 or f64; i1 values
    and narrow integer casts may join) become one kernel with splat constants
    folded in and an output per value used outside the run, and its
    `exec.launch`; inference-form dropout is an alias of its input; reshape
    becomes a view (of a parameter: a copy, as persistent buffers have no
    aliases; of a constant: the reshaped constant). Every result gets its own
    `exec.alloc`; an output that would share another's bytes or live outside
    the arena is copied. Calls must have been inlined first.
  }];
  let dependentDialects = ["::dlc::exec::ExecDialect"];
}

def DLAutodiff : Pass<"dl-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode autodiff of a loss function with respect to the trainable parameters";
  let description = [{
    Adds `@<function>_grad`, a public copy of the function (`loss` by
    default) that also returns the gradient of its first result (a float
    scalar) with respect to every trainable parameter (`dl.param` without
    `state`) the result depends on, in declaration order. Each gradient result
    is named `<param>.grad` and carries `dl.gradient_of = @<param>`. The
    gradient of a parameter read several times is the sum over its reads.

    The backward pass applies each op's DifferentiableOpInterface rule in
    reverse order, to the values that both depend on a trainable parameter
    and affect the loss; integer and boolean values never need one. A
    gradient that would have to flow through an op without a rule is an error
    at that op. Calls must have been inlined first.
  }];
  let options = [
    Option<"functionName", "function", "std::string", "\"loss\"",
           "the function to differentiate">,
  ];
}

def DLBuildTrainStep : Pass<"dl-build-train-step", "mlir::ModuleOp"> {
  let summary = "Build train_step (forward, backward, optimizer update) and eval";
  let description = [{
    Builds the public `@train_step` from `@<function>` (`loss`): the same
    inputs and results, with dropout and batch normalization in their
    training forms, differentiated as dl-autodiff does, the gradients clipped by
    global norm when the optimizer asks, the learning rate of the current
    step from the module's `dl.lr_schedule`, and the optimizer's update
    (`dl.optimizer`: SGD with momentum, Nesterov and weight decay, Adam,
    AdamW) written back with `dl.param.set`, with the step counter
    `@train.step`. Optimizer state becomes `dl.param state` tensors named
    `@<param>.velocity` (SGD with momentum) or `@<param>.m` and `@<param>.v`
    (Adam, AdamW), initialized to zeros and marked `dl.optimizer_state`.
    Also adds `@eval`, a copy of `@<function>` (inference forms) for
    evaluation, unless the model has one. Calls must have been inlined.
  }];
  let options = [
    Option<"functionName", "function", "std::string", "\"loss\"",
           "the loss function to train">,
  ];
}

def DLFoldBatchNorm : Pass<"dl-fold-batch-norm", "mlir::ModuleOp"> {
  let summary = "Fold inference-form batch normalization into the convolution before it";
  let description = [{
    `dl.batch_norm` without `training` (the running statistics) after a
    `dl.conv2d` that nothing else reads is an affine map per output channel,
    so it becomes part of the convolution: with
    `s = scale / sqrt(running_var + epsilon)`, the filter is scaled by `s`
    per output channel and the bias becomes `(bias - running_mean) * s +
    offset` (`offset - running_mean * s` without one). The scaling runs on
    the filter (O x C x KH x KW values) each call instead of on every output
    element, and the convolution's ReLU epilogue can then follow it.
    Training-form batch norms (batch statistics) are left alone.
  }];
}

def DLChannelsLast : Pass<"dl-channels-last", "mlir::ModuleOp"> {
  let summary = "Run convolutions, and the pools, batch norms and elementwise ops between them, in NHWC";
  let description = [{
    Rewrites every NCHW `dl.conv2d` and convolution gradient
    (`dl.conv2d_backward_data`, `dl.conv2d_backward_filter`) as one with
    `layout = nhwc` between transposes, then moves the transposes past the
    ops that can run in either layout (max/avg pooling and its gradient,
    batch normalization and its gradient, `reduce_sum`, and elementwise
    ops, compare and select included, whose
    other operands are scalars or come from NHWC values too; a transpose
    with several users moves only when all of them can), so that transposes
    cancel between consecutive convolutions, forward and backward, and
    remain only where an NCHW value is used (a flatten, a function result).
    A transpose that only moves a unit dim becomes a
    reshape. Runs the transpose and reshape canonicalizations itself.
  }];
}

def ExecPlanMemory : Pass<"exec-plan-memory", "mlir::ModuleOp"> {
  let summary = "Assign arena offsets to inputs and temporaries by liveness";
  let description = [{
    A buffer is live from the command that writes it (inputs: from the start)
    to its last reader (outputs: to the end), views included. Buffers are
    placed largest first at the lowest aligned offset that overlaps no placed
    buffer live at the same time, so a slot is reused once its last user has
    run. Sets `offset` on every exec.input/exec.alloc and `arena_size` on the
    entry, then checks that no two simultaneously live buffers overlap.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "64",
           "byte alignment of every buffer: a power of two, at least 8">,
  ];
}

def ExecCheckMemoryPlan : Pass<"exec-check-memory-plan", "mlir::ModuleOp"> {
  let summary = "Check that no two simultaneously live buffers overlap";
  let description = [{
    The check exec-plan-memory runs on its own result, as a pass so a test can
    give it a hand-written plan: every exec.input/exec.alloc has an offset
    that is a multiple of its element size, lies inside `arena_size`, and
    shares no byte with a buffer live at the same time.
  }];
}

def ExecOutlineGpuKernels : Pass<"exec-outline-gpu-kernels", "mlir::ModuleOp"> {
  let summary = "Outline every command the GPU runs as a generated kernel into a function";
  let description = [{
    The GPU runs matmuls (cuBLASLt), convolutions and their gradients,
    pooling and its gradient, and batch norm and its gradient (cuDNN) as
    library calls; every other command becomes a kernel dlc generates. This
    pass writes each such kernel as a `func.func` over the command's buffers
    (inputs, then outputs, in the command's order) in the nested module
    `@gpu_kernels`, and names it in the command's `gpu_kernels` attribute:
    fused elementwise kernels, copies, transposes and slices as one
    `linalg.generic`; pads, concats, reductions, argmax, softmax, layer norm,
    embedding, dropout and the losses as an `scf.parallel` over independent
    items (output elements, lines or rows), whose reductions are `scf.for`
    loops marked `dlc.combine` (the combining op) and whose row-writing loops
    are marked `dlc.row`. A max pool gradient with a ReLU mask stays a
    library call followed by a mask kernel. This form runs on the host as it
    is (the tests compile it for the CPU); exec-map-gpu-kernels maps it to
    the GPU.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::func::FuncDialect"];
}

def ExecMapGpuKernels : Pass<"exec-map-gpu-kernels", "mlir::ModuleOp"> {
  let summary = "Map the outlined kernels to GPU blocks and threads, in one gpu.module";
  let description = [{
    Each function of `@gpu_kernels` becomes a `gpu.func` kernel of the
    `gpu.module @gpu_kernels`. A `linalg.generic` first becomes items, one
    per point of its iteration space. Without row loops, items go to
    threads: thread `block_id * block_dim + thread_id` takes an item and the
    grid strides over the rest (256 threads a block, fewer for fewer items).
    With row loops, items go to blocks (striding over the grid); the block's
    threads share each `dlc.row` and `dlc.combine` loop (thread t takes
    iterations t, t + block_dim, ...), a `gpu.all_reduce` joins each combine
    loop's partial results (warp shuffles, then shared memory), and the
    item's other memory effects run on thread 0. Blocks have 32 to 256
    threads, by the longest row; grids at most 65535 blocks. Each command's
    `gpu_kernels` entries get `grid`, `block` and `shared_memory`, and each
    kernel `known_block_size`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"];
}

#endif // DLC_PASSES_TD

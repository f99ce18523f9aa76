"""Direct convolutions: 2-D (NCHW, 3x3, valid) and 1-D (odd kernel, same)."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32_ACCUM, dim, tensor


def conv2d(x, w, N, C, H, W, O, OH, OW):
    if (OH, OW) != (H - 2, W - 2):
        raise ValueError(f"conv2d shape must have OH = H - 2 and OW = W - 2, got H={H} W={W} OH={OH} OW={OW}")
    y = np.zeros((N, O, OH, OW), dtype=np.result_type(x, w))
    for kh in range(3):
        for kw in range(3):
            patch = x[:, :, kh:kh + OH, kw:kw + OW]  # [N, C, OH, OW]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, kh, kw], optimize=True)
    return y


def _conv2d_shape(N: int, C: int, H: int, W: int, O: int) -> dict[str, int]:
    return {"N": N, "C": C, "H": H, "W": W, "O": O, "OH": H - 2, "OW": W - 2}


def conv1d(x, w, N, K):
    if K % 2 != 1:
        raise ValueError(f"conv1d needs an odd kernel length K, got {K}")
    h = K // 2
    xp = np.zeros(N + 2 * h, dtype=x.dtype)
    xp[h:h + N] = x
    y = np.zeros(N, dtype=np.result_type(x, w))
    for k in range(K):
        y += w[k] * xp[k:k + N]
    return y


TASKS = [
    Task(
        name="conv2d", category="convolution",
        description=("2-D convolution (cross-correlation, as in deep learning), NCHW input, OIHW 3x3 weight, "
                     "stride 1, no padding ('valid'), no bias: "
                     "y[n, o, i, j] = sum_{c < C, kh < 3, kw < 3} x[n, c, i + kh, j + kw] * w[o, c, kh, kw] "
                     "for i < OH = H - 2, j < OW = W - 2. All arrays row-major and contiguous; OH and OW are "
                     "passed for convenience and always equal H - 2 and W - 2."),
        signature={"inputs": [tensor("x", "float32", "N", "C", "H", "W"),
                              tensor("w", "float32", "O", "C", 3, 3)],
                   "outputs": [tensor("y", "float32", "N", "O", "OH", "OW")],
                   "params": [dim("N", "batch"), dim("C", "input channels"), dim("H", "input height"),
                              dim("W", "input width"), dim("O", "output channels"),
                              dim("OH", "output height = H - 2"), dim("OW", "output width = W - 2")]},
        visible_shapes=[_conv2d_shape(8, 32, 34, 34, 64), _conv2d_shape(2, 16, 130, 130, 32)],
        heldout_shapes=[_conv2d_shape(1, 1, 3, 3, 1), _conv2d_shape(3, 5, 59, 37, 7),
                        _conv2d_shape(1, 64, 29, 29, 1), _conv2d_shape(16, 48, 34, 34, 96)],
        tolerances=F32_ACCUM, flops="2 * N * O * OH * OW * C * 9",
        bytes="4 * (N * C * H * W + O * C * 9 + N * O * OH * OW)",
        reference="tasks.convolution:conv2d",
        framework_references={"torch": "tasks.torch_refs:conv2d"}, tags=["compute-bound", "stencil"],
    ),
    Task(
        name="conv1d", category="convolution",
        description=("1-D convolution (cross-correlation) with an odd kernel length K and zero 'same' padding: "
                     "y[i] = sum_{k < K} w[k] * x[i + k - K // 2] for i < N, where x outside [0, N) is 0. "
                     "Output has the input's length N."),
        signature={"inputs": [tensor("x", "float32", "N"), tensor("w", "float32", "K")],
                   "outputs": [tensor("y", "float32", "N")],
                   "params": [dim("N", "signal length"), dim("K", "kernel length, odd")]},
        visible_shapes=[{"N": 1 << 20, "K": 7}, {"N": 1 << 18, "K": 31}],
        heldout_shapes=[{"N": 1, "K": 5}, {"N": 1_000_003, "K": 1}, {"N": 257, "K": 63},
                        {"N": 3_000_017, "K": 15}],
        tolerances=F32_ACCUM, flops="2 * N * K", bytes="4 * (2 * N + K)",
        reference="tasks.convolution:conv1d",
        framework_references={"torch": "tasks.torch_refs:conv1d"}, tags=["stencil", "memory-bound"],
    ),
]

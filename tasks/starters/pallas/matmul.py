"""matmul in Pallas: (BM, BK) x (BK, BN) blocks on the MXU, a grid (i, j, k) with k innermost and
an f32 accumulator in VMEM scratch; operands zero-padded to whole blocks. HIGHEST precision keeps
f32 accuracy on a TPU (its default rounds f32 inputs to bf16)."""
import jax
import jax.numpy as jnp
from jax import lax
from jax.experimental import pallas as pl
from jax.experimental.pallas import tpu as pltpu


def matmul_block(a_ref, b_ref, o_ref, acc_ref):
    @pl.when(pl.program_id(2) == 0)
    def _():
        acc_ref[...] = jnp.zeros_like(acc_ref)

    acc_ref[...] += jnp.dot(a_ref[...], b_ref[...], preferred_element_type=jnp.float32,
                            precision=lax.Precision.HIGHEST)

    @pl.when(pl.program_id(2) == pl.num_programs(2) - 1)
    def _():
        o_ref[...] = acc_ref[...].astype(o_ref.dtype)


def _block(d: int, big: int) -> int:
    return big if d >= big else 128


def kernel(A, B, M, N, K):
    bm, bn, bk = _block(M, 256), _block(N, 256), _block(K, 512)
    mp, np_, kp = -(-M // bm) * bm, -(-N // bn) * bn, -(-K // bk) * bk
    a = jnp.pad(A, ((0, mp - M), (0, kp - K)))
    b = jnp.pad(B, ((0, kp - K), (0, np_ - N)))
    c = pl.pallas_call(matmul_block, out_shape=jax.ShapeDtypeStruct((mp, np_), A.dtype),
                       grid=(mp // bm, np_ // bn, kp // bk),
                       in_specs=[pl.BlockSpec((bm, bk), lambda i, j, k: (i, k)),
                                 pl.BlockSpec((bk, bn), lambda i, j, k: (k, j))],
                       out_specs=pl.BlockSpec((bm, bn), lambda i, j, k: (i, j)),
                       scratch_shapes=[pltpu.VMEM((bm, bn), jnp.float32)])(a, b)
    return c[:M, :N]

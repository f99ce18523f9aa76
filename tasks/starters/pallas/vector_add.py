"""vector_add in Pallas: the vector viewed as (rows, 128) lanes, padded to whole (BR, 128) blocks,
one grid step per block (block shapes are multiples of the TPU's (8, 128) tile)."""
import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

LANES = 128
MAX_ROWS = 1024  # 512 KiB per f32 block


def add_block(x_ref, y_ref, o_ref):
    o_ref[...] = x_ref[...] + y_ref[...]


def kernel(x, y, n):
    rows = -(-n // LANES)
    br = min(MAX_ROWS, -(-rows // 8) * 8)
    rows_p = -(-rows // br) * br
    pad = rows_p * LANES - n
    x2 = jnp.pad(x, (0, pad)).reshape(rows_p, LANES)
    y2 = jnp.pad(y, (0, pad)).reshape(rows_p, LANES)
    spec = pl.BlockSpec((br, LANES), lambda i: (i, 0))
    out = pl.pallas_call(add_block, out_shape=jax.ShapeDtypeStruct((rows_p, LANES), x.dtype),
                         grid=(rows_p // br,), in_specs=[spec, spec], out_specs=spec)(x2, y2)
    return out.reshape(-1)[:n]

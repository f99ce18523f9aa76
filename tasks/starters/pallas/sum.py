"""sum in Pallas: each grid step folds a (BR, 128) block into an (8, 128) tile of partial sums
(vector adds only); the few partial tiles are added up outside the kernel."""
import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

LANES = 128
MAX_ROWS = 1024


def partial_block(x_ref, o_ref):
    x = x_ref[...]
    o_ref[...] = jnp.sum(x.reshape(x.shape[0] // 8, 8, LANES), axis=0)


def kernel(x, n):
    rows = -(-n // LANES)
    br = min(MAX_ROWS, -(-rows // 8) * 8)
    rows_p = -(-rows // br) * br
    g = rows_p // br
    x2 = jnp.pad(x, (0, rows_p * LANES - n)).reshape(rows_p, LANES)
    parts = pl.pallas_call(partial_block, out_shape=jax.ShapeDtypeStruct((g * 8, LANES), x.dtype), grid=(g,),
                           in_specs=[pl.BlockSpec((br, LANES), lambda i: (i, 0))],
                           out_specs=pl.BlockSpec((8, LANES), lambda i: (i, 0)))(x2)
    return jnp.sum(parts).reshape(1)

"""conv2d: NCHW x OIHW, 3x3, valid padding, through XLA's convolution."""
from jax import lax


def kernel(x, w, N, C, H, W, O, OH, OW):
    return lax.conv_general_dilated(x, w, window_strides=(1, 1), padding="VALID",
                                    dimension_numbers=("NCHW", "OIHW", "NCHW"), precision=lax.Precision.HIGHEST)

// vector_add: out[i] = x[i] + y[i] for i < n.
// -O3 -march=native vectorises this loop; `restrict` tells the compiler the arrays do not overlap.
#include <stdint.h>

void kernel(const float *restrict x, const float *restrict y, float *restrict out, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        out[i] = x[i] + y[i];
}

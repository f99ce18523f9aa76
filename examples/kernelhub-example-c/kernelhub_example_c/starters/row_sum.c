// row_sum: out[i] = sum over j < N of x[i, j] (x row-major M x N).
// Eight independent double accumulators per row: the compiler vectorises them (an in-order
// float sum cannot be vectorised without -ffast-math), and double keeps rows of a million
// elements accurate.
#include <stdint.h>

void kernel(const float *restrict x, float *restrict out, int64_t M, int64_t N) {
    for (int64_t i = 0; i < M; i++) {
        const float *row = x + i * N;
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= N; j += 8)
            for (int k = 0; k < 8; k++)
                acc[k] += row[j + k];
        double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; j < N; j++)
            s += row[j];
        out[i] = (float)s;
    }
}

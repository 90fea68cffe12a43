// Cell enzymes: vector kernels. The PTX next to this file is made from it by NVRTC:
//   ./cell enzyme-ptx   (see gpu-enzymes/README.md)
// Every kernel here has a Java twin in dev.cell.enzyme.kernels.VectorKernels for the CPU fallback.

#define QB 8  // queries scored per pass over a row

// scores[q * rows + r] = dot(matrix row r, query q) for every row r < rows and query q < count.
// matrix: rows x dim floats, row-major; queries: count x dim floats. One warp per row: the 32 lanes read the row
// together (coalesced) and reduce with shuffles; a block's queries sit in shared memory (QB * dim floats).
// Grid: x = ceil(rows / (blockDim.x / 32)), y = ceil(count / QB). blockDim.x a multiple of 32.
extern "C" __global__ void cosine_scores(const float* __restrict__ matrix, const float* __restrict__ queries,
    float* __restrict__ scores, int rows, int dim, int count)
{
    extern __shared__ float qs[];
    const int q0 = blockIdx.y * QB;
    const int nq = min(QB, count - q0);
    for (int i = threadIdx.x; i < QB * dim; i += blockDim.x)
    {
        qs[i] = i < nq * dim ? queries[(size_t)q0 * dim + i] : 0.0f;
    }
    __syncthreads();
    const int lane = threadIdx.x & 31;
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= rows)
    {
        return;
    }
    const float* m = matrix + (size_t)row * dim;
    float acc[QB];
#pragma unroll
    for (int j = 0; j < QB; j++)
    {
        acc[j] = 0.0f;
    }
    for (int d = lane; d < dim; d += 32)
    {
        const float v = m[d];
#pragma unroll
        for (int j = 0; j < QB; j++)
        {
            acc[j] = fmaf(v, qs[j * dim + d], acc[j]);
        }
    }
#pragma unroll
    for (int j = 0; j < QB; j++)
    {
        float a = acc[j];
        for (int o = 16; o > 0; o >>= 1)
        {
            a += __shfl_down_sync(0xffffffffu, a, o);
        }
        if (lane == 0 && j < nq)
        {
            scores[(size_t)(q0 + j) * rows + row] = a;
        }
    }
}
